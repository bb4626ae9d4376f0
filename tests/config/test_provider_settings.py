"""Provider settings: every registered provider read from its `<NAME>_*` variables, secrets kept secret."""

from __future__ import annotations

import pytest
from pydantic import SecretStr, ValidationError

from config import AuthSettings, ProviderSettings, Settings
from providers.registry import all_providers

STRONG = {"jwt_secret": SecretStr("a" * 40), "super_admin_jwt_secret": SecretStr("b" * 40)}


@pytest.fixture(autouse=True)
def _no_provider_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (*ProviderSettings.provider_variables(), "PROVIDER_SANDBOX_URL"):
        monkeypatch.delenv(name, raising=False)


def test_every_registered_provider_is_read_and_only_the_keyless_are_configured_by_default() -> None:
    settings = ProviderSettings()
    assert settings.names() == sorted(all_providers())
    assert settings.configured() == ["web"]  # public pages: no key to ask for
    assert settings.missing_credentials("web") == []
    assert settings.missing_credentials("prospeo") == ["PROSPEO_API_KEY"]
    assert settings.missing_credentials("adyntel") == ["ADYNTEL_API_KEY", "ADYNTEL_ACCOUNT_EMAIL"]
    assert settings.base_url("prospeo", "https://api.prospeo.io") == "https://api.prospeo.io"


def test_the_variable_names_in_use_keep_working(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in all_providers():
        monkeypatch.setenv(f"{name.upper()}_API_KEY", f"key-of-{name}")
    monkeypatch.setenv("ADYNTEL_ACCOUNT_EMAIL", "ops@acme.com")
    monkeypatch.setenv("LEADMAGIC_BASE_URL", "https://proxy.example/lm/")
    monkeypatch.setenv("PROVIDER_SANDBOX_URL", "http://127.0.0.1:8900")
    settings = Settings(dex_env="production", auth=AuthSettings(**STRONG))  # type: ignore[arg-type]
    providers = settings.providers
    assert providers.configured() == sorted(all_providers())
    assert all(providers.api_key(name) == f"key-of-{name}" for name in all_providers())
    assert providers.extra_credentials("adyntel") == {"account_email": "ops@acme.com"}
    assert providers.base_url("leadmagic", "https://api.leadmagic.io") == "https://proxy.example/lm"
    assert providers.base_url("reoon", "https://real") == "http://127.0.0.1:8900/reoon"
    assert isinstance(providers.credentials["reoon"].api_key, SecretStr)
    assert isinstance(providers.credentials["adyntel"].extra["account_email"], SecretStr)
    assert "key-of-" not in repr(settings) and "ops@acme.com" not in repr(settings)


def test_a_blank_variable_is_no_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REOON_API_KEY", "  ")
    monkeypatch.setenv("ADYNTEL_API_KEY", "k")
    monkeypatch.setenv("ADYNTEL_ACCOUNT_EMAIL", "")
    settings = ProviderSettings()
    assert settings.api_key("reoon") is None and settings.missing_credentials("reoon") == ["REOON_API_KEY"]
    assert settings.missing_credentials("adyntel") == ["ADYNTEL_ACCOUNT_EMAIL"]


def test_an_unrelated_variable_named_like_a_field_is_not_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CREDENTIALS", "not json")
    assert ProviderSettings().configured() == ["web"]


def test_keyword_names_override_and_a_misspelt_one_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARALLEL_API_KEY", "from-env")
    assert ProviderSettings(parallel_api_key="given").api_key("parallel") == "given"
    assert ProviderSettings(parallel_api_key=None).api_key("parallel") is None
    with pytest.raises(ValidationError, match="parallell_api_key"):
        ProviderSettings(parallell_api_key="x")
    with pytest.raises(ValidationError, match="unknown provider"):
        ProviderSettings(credentials={"nobody": {"api_key": "x"}})
    with pytest.raises(ValidationError, match="declares no credential"):
        ProviderSettings(credentials={"prospeo": {"extra": {"account_email": "x"}}})
    with pytest.raises(ValidationError, match="unknown provider"):
        ProviderSettings(provider_limits={"nobody": {"rate_per_second": 1}})
    with pytest.raises(KeyError, match="no adapter declares it"):
        ProviderSettings().api_key("nobody")


def test_the_sandbox_settings_configure_every_provider_and_take_overrides(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PROSPEO_API_KEY", "a-real-key")  # never sent to the sandbox, nor the sandbox's key
    monkeypatch.setenv("PROSPEO_BASE_URL", "https://api.prospeo.io")  # to the real service
    settings = ProviderSettings.for_sandbox(
        "http://127.0.0.1:9", "sandbox-key", parallel_api_key=None, adyntel_account_email=None
    )
    assert settings.missing_credentials("parallel") == ["PARALLEL_API_KEY"]
    assert settings.missing_credentials("adyntel") == ["ADYNTEL_ACCOUNT_EMAIL"]
    assert set(settings.configured()) == set(all_providers()) - {"parallel", "adyntel"}
    assert settings.base_url("prospeo", "https://api.prospeo.io") == "http://127.0.0.1:9/prospeo"
    assert settings.api_key("prospeo") == "sandbox-key"
    full = ProviderSettings.for_sandbox("http://127.0.0.1:9", "sandbox-key")
    assert full.configured() == sorted(all_providers())
    assert full.extra_credentials("adyntel") == {"account_email": "sandbox@example.com"}


def test_the_sandbox_environment_reads_back_as_the_sandbox_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in ProviderSettings.sandbox_environment("http://127.0.0.1:9", "sandbox-key").items():
        monkeypatch.setenv(name, value)
    assert ProviderSettings() == ProviderSettings.for_sandbox("http://127.0.0.1:9", "sandbox-key")


def test_outside_development_unsafe_secrets_are_still_refused() -> None:
    with pytest.raises(ValidationError, match="JWT_SECRET must be set"):
        Settings(dex_env="production", auth=AuthSettings())  # type: ignore[arg-type]
