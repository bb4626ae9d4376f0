"""Every provider is wired from its one declaration: adapter, sandbox route, settings, limits and tests."""

from __future__ import annotations

import dataclasses
import importlib.util
import re
from pathlib import Path

import pytest

from config import ProviderSettings
from providers.base import CredentialField, Provider, RateLimit
from providers.registry import all_providers, credential_settings, endpoint_for, get_provider
from providers.sandbox.routes import sandbox_providers

TESTS = Path(__file__).parent


def wiring_problems(provider: Provider) -> list[str]:
    """Return what is missing for the provider to be usable, tested and configured (nothing: fully wired)."""
    name = provider.name
    problems = []
    if not re.fullmatch(r"[a-z][a-z0-9]*", name):
        problems.append(f"{name!r} cannot name variables ({name.upper()}_API_KEY) and a module alike")
    for field in provider.credential_fields:
        if not re.fullmatch(r"[a-z][a-z0-9_]*", field.setting) or field.setting in ("api_key", "base_url"):
            problems.append(f"credential setting {field.setting!r} cannot be a variable of its own")
    if importlib.util.find_spec(f"providers.{name}") is None:
        problems.append(f"no adapter module providers/{name}.py (or package) named after the provider")
    if name not in sandbox_providers():
        problems.append(f"no sandbox route: providers/sandbox/routes/{name}.py defining a SandboxProvider")
    if name not in ProviderSettings().credentials:
        problems.append(f"settings do not read {name.upper()}_API_KEY: the registry does not declare it")
    limits = [provider.rate_limit, *provider.path_limits.values()]
    if provider.account_limit is not None:
        limits.append(provider.account_limit)
    if not all(limit.rate > 0 and limit.per_seconds > 0 and limit.concurrency >= 1 for limit in limits):
        problems.append("a documented limit is not a positive rate and concurrency")
    if not provider.docs.strip():
        problems.append("no `docs`: where the documented limits and API come from")
    if not provider.actions:
        problems.append("no actions")
    for key, action in provider.actions.items():
        if (action.provider, action.name) != (name, key):
            problems.append(f"action {key!r} is declared as {action.provider}.{action.name}")
    test_file = TESTS / f"test_{name}.py"
    if not test_file.is_file() or name not in test_file.read_text():
        problems.append(f"no tests/providers/test_{name}.py about it")
    return problems


@pytest.mark.parametrize("name", sorted(all_providers()))
def test_every_registered_provider_is_fully_wired(name: str) -> None:
    assert wiring_problems(get_provider(name)) == []


def test_every_sandbox_route_speaks_for_a_registered_provider() -> None:
    assert sorted(sandbox_providers()) == sorted(all_providers())


def test_a_provider_declared_nowhere_else_is_reported_as_not_wired() -> None:
    stray = Provider(
        name="nowhere", base_url="https://nowhere.example", rate_limit=RateLimit(rate=0), actions={}
    )
    problems = "\n".join(wiring_problems(stray))
    for gap in ("adapter module", "sandbox route", "NOWHERE_API_KEY", "documented limit", "docs", "actions"):
        assert gap in problems
    assert "tests/providers/test_nowhere.py" in problems
    badly_named = dataclasses.replace(
        get_provider("reoon"), name="re-oon", credential_fields=(CredentialField("base_url", "url", "x"),)
    )
    assert len([p for p in wiring_problems(badly_named) if "cannot" in p]) == 2


def test_declared_credentials_reach_the_adapter_by_their_own_names(monkeypatch: pytest.MonkeyPatch) -> None:
    adyntel = get_provider("adyntel")
    assert adyntel.credential_fields == (
        CredentialField(
            "account_email", "email", "sandbox@example.com", adyntel.credential_fields[0].description
        ),
    )
    assert credential_settings()["adyntel"] == {"account_email": "sandbox@example.com"}
    monkeypatch.setenv("ADYNTEL_API_KEY", "ak")
    monkeypatch.setenv("ADYNTEL_ACCOUNT_EMAIL", "ops@acme.com")
    endpoint = endpoint_for(adyntel, ProviderSettings())
    assert endpoint.credentials.api_key == "ak" and endpoint.credentials.extra == {"email": "ops@acme.com"}
    assert endpoint_for(get_provider("prospeo"), ProviderSettings()).credentials.extra == {}


def test_a_new_provider_needs_no_change_outside_its_own_files(monkeypatch: pytest.MonkeyPatch) -> None:
    """A provider the registry finds is read from its variables with no settings field of its own."""
    newcomer = dataclasses.replace(
        get_provider("reoon"),
        name="newcomer",
        credential_fields=(CredentialField("account_id", "account", "acct-1"),),
    )
    monkeypatch.setattr("providers.registry.all_providers", lambda: {**all_providers(), "newcomer": newcomer})
    monkeypatch.setenv("NEWCOMER_API_KEY", "nk")
    monkeypatch.setenv("NEWCOMER_BASE_URL", "https://proxy.example/newcomer/")
    settings = ProviderSettings()
    assert settings.missing_credentials("newcomer") == ["NEWCOMER_ACCOUNT_ID"]
    monkeypatch.setenv("NEWCOMER_ACCOUNT_ID", "a-9")
    endpoint = endpoint_for(newcomer, ProviderSettings())
    assert endpoint.base_url == "https://proxy.example/newcomer"
    assert endpoint.credentials.api_key == "nk" and endpoint.credentials.extra == {"account": "a-9"}
    sandboxed = ProviderSettings.for_sandbox("http://127.0.0.1:9", "k")
    assert endpoint_for(newcomer, sandboxed).credentials.extra == {"account": "acct-1"}
    assert "NEWCOMER_ACCOUNT_ID" in ProviderSettings.provider_variables()
