"""Settings: development gets defaults; every other environment refuses unsafe or missing secrets."""

from __future__ import annotations

import pytest
from pydantic import SecretStr, ValidationError

from config import AuthSettings, Settings
from config.settings import DEV_JWT_SECRET, DEV_SUPER_ADMIN_API_KEY

STRONG = {"jwt_secret": SecretStr("a" * 40), "super_admin_jwt_secret": SecretStr("b" * 40)}


def test_development_fills_in_dev_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("JWT_SECRET", "SUPER_ADMIN_JWT_SECRET", "SUPER_ADMIN_API_KEY", "DEX_ENV"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings()
    assert settings.is_development
    assert (
        settings.auth.jwt_secret is not None and settings.auth.jwt_secret.get_secret_value() == DEV_JWT_SECRET
    )


def test_environment_variables_use_the_spec_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEX_ENV", "production")
    monkeypatch.setenv("JWT_SECRET", "j" * 40)
    monkeypatch.setenv("SUPER_ADMIN_JWT_SECRET", "s" * 40)
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:p@db.internal:5432/dex")
    monkeypatch.setenv("LEADMAGIC_API_KEY", "lm-key")
    settings = Settings()
    assert settings.database.database_url is not None
    assert settings.database.database_url.get_secret_value().endswith("/dex")
    assert settings.providers.api_key("leadmagic") == "lm-key"
    assert "lm-key" not in repr(settings) and "j" * 40 not in repr(settings)


@pytest.mark.parametrize(
    ("auth", "message"),
    [
        ({}, "JWT_SECRET must be set"),
        ({"jwt_secret": SecretStr("short"), "super_admin_jwt_secret": SecretStr("b" * 40)}, "at least 32"),
        ({**STRONG, "super_admin_api_key": SecretStr(DEV_SUPER_ADMIN_API_KEY)}, "development default"),
        ({"jwt_secret": SecretStr("a" * 40), "super_admin_jwt_secret": SecretStr("a" * 40)}, "must differ"),
    ],
)
def test_outside_development_unsafe_secrets_are_refused(auth: dict[str, SecretStr], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Settings(dex_env="production", auth=AuthSettings(**auth))  # type: ignore[arg-type]
    Settings(dex_env="production", auth=AuthSettings(**STRONG))  # type: ignore[arg-type]


def test_webhook_settings_read_their_variables_and_refuse_bad_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEBHOOK_RETRY_SCHEDULE_S", "[1, 2.5]")
    monkeypatch.setenv("WEBHOOK_POLL_INTERVAL_S", "0.5")
    settings = Settings(dex_env="production", auth=AuthSettings(**STRONG))  # type: ignore[arg-type]
    assert settings.webhooks.webhook_retry_schedule_s == [1, 2.5]
    assert settings.webhooks.webhook_poll_interval_s == 0.5
    monkeypatch.setenv("WEBHOOK_SECRETS_KEY", "short")
    with pytest.raises(ValidationError, match="WEBHOOK_SECRETS_KEY"):
        Settings(dex_env="production", auth=AuthSettings(**STRONG))  # type: ignore[arg-type]
    monkeypatch.setenv("WEBHOOK_RETRY_SCHEDULE_S", "[1, 0]")
    with pytest.raises(ValidationError, match="above 0"):
        Settings(dex_env="development")  # type: ignore[arg-type]
