"""`dex providers`: keys, balances and states, over HTTP to the sandbox and through the gateways."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import ray

from cli.providers import collect
from cluster.actors import gateway_handles
from cluster.leases import LeaseAsk, Report
from config import Settings
from providers.sandbox.server import SandboxServer
from tests.factories import TEST_SECRETS
from tests.support.sandbox import knobs

DEX = str(Path(sys.executable).parent / "dex")


def _dex(sandbox: SandboxServer, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    unset = {"ADYNTEL_ACCOUNT_EMAIL"}
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DEX_", "RAY_")) and "_API_KEY" not in k and k not in unset
    }
    env.update({k.upper(): v for k, v in TEST_SECRETS.items()})
    env.update(
        {
            "DEX_ENV": "test",
            "DEX_STATE_DIR": str(tmp_path),  # no local cluster runs there: balances are checked directly
            "PROVIDER_SANDBOX_URL": sandbox.url,
            "LEADMAGIC_API_KEY": sandbox.api_key,
            "PROSPEO_API_KEY": sandbox.api_key,
            "ICYPEAS_API_KEY": sandbox.api_key,
            "REOON_API_KEY": "not-the-key",
            "ADYNTEL_API_KEY": sandbox.api_key,  # but no ADYNTEL_ACCOUNT_EMAIL, which it needs too
        }
    )
    return subprocess.run([DEX, "providers", *args], env=env, capture_output=True, text=True, timeout=60)


def test_dex_providers_shows_keys_balances_and_the_provider_out_of_credits(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    with knobs(sandbox, "prospeo", credits=0), knobs(sandbox, "leadmagic", credits=1234):
        table = _dex(sandbox, tmp_path)
        listed = _dex(sandbox, tmp_path, "--json")
    assert table.returncode == 0 and listed.returncode == 0, table.stderr + listed.stderr
    rows = {line.split()[0]: line for line in table.stdout.splitlines()[1:]}
    assert rows["leadmagic"].split()[1:4] == ["yes", "1,234", "ok"]
    assert rows["prospeo"].split()[1:5] == ["yes", "0", "exhausted", "(balance"]
    assert rows["icypeas"].split()[1:] == ["yes", "-", "no", "balance", "endpoint"]
    assert "check failed: bad_key" in rows["reoon"]
    assert rows["gemini"].split()[1:] == ["no", "-", "no", "key:", "set", "GEMINI_API_KEY"]
    assert rows["adyntel"].split()[1:] == ["no", "-", "no", "key:", "set", "ADYNTEL_ACCOUNT_EMAIL"]
    found = {p["provider"]: p for p in json.loads(listed.stdout)}
    assert found["prospeo"]["state"] == "exhausted" and found["prospeo"]["credits_remaining"] == 0
    assert found["prospeo"]["plan"] == "STARTER" and found["leadmagic"]["credits_remaining"] == 1234
    unkeyed = {"keyed": False, "state": "no key", "reason": "set COMPANYENRICH_API_KEY"}
    assert found["companyenrich"] == {**found["companyenrich"], **unkeyed}
    assert "sandbox-key" not in table.stdout + listed.stdout  # keys are never shown


def _mark_exhausted(handle: Any) -> None:
    ray.get(handle.lease.remote("test-holder", LeaseAsk("batch", {}, 0, 0, Report(no_credits=True))))


def test_a_check_through_the_gateway_clears_its_mark_only_when_credits_came_back(
    ray_cluster: object, settings: Settings, sandbox: SandboxServer
) -> None:
    handle = gateway_handles(["leadmagic"], settings.providers)["leadmagic"]
    _mark_exhausted(handle)
    with knobs(sandbox, "leadmagic", credits=0):
        still = {p.provider: p for p in collect(settings)}["leadmagic"]
    assert still.state == "exhausted" and still.credits_remaining == 0
    assert still.exhausted_since is not None and still.exhausted_until is not None
    assert ray.get(handle.health.remote())["exhausted"] is True
    back = {p.provider: p for p in collect(settings)}["leadmagic"]
    assert back.state == "ok" and back.credits_remaining is not None and back.credits_remaining > 0
    assert ray.get(handle.health.remote())["exhausted"] is False


def test_dex_enrich_warnings_name_the_blueprints_providers_without_credits(
    settings: Settings, sandbox: SandboxServer
) -> None:
    from cli.enrich import credit_warnings_for

    steps = [{"position": 1, "operation_id": "company.enrich.technographics"}]  # leadmagic only
    with knobs(sandbox, "leadmagic", credits=0), knobs(sandbox, "prospeo", credits=0):
        warnings = credit_warnings_for(settings, steps)
    assert len(warnings) == 1 and warnings[0].startswith("leadmagic has no credits left (balance 0)")
    assert credit_warnings_for(settings, steps) == []
