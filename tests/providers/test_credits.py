"""Balance checks: each documented credits endpoint read into one shape, and the sandbox serving them."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from providers.base import CREDITS, Credentials, ErrorClass, Outcome, RequestSpec
from providers.execute import execute
from providers.http import HttpClient, HttpResponse
from providers.registry import all_providers, get_provider
from providers.sandbox.server import SandboxServer
from tests.support.sandbox import knobs, sandbox_endpoint

KEY = Credentials(api_key="k", extra={"email": "me@example.com"})
WITH_BALANCE = (
    "adyntel",
    "ampleleads",
    "blitzapi",
    "companyenrich",
    "leadmagic",
    "millionverifier",
    "prospeo",
    "reoon",
)


def _response(body: Any, status: int = 200) -> HttpResponse:
    raw = body if isinstance(body, bytes) else orjson.dumps(body)
    return HttpResponse(status=status, headers={}, body=raw, elapsed_ms=1.0)


def _parse(provider: str, body: Any, status: int = 200) -> Any:
    check = get_provider(provider).credits
    assert check is not None
    return check.parse(_response(body, status))


# Bodies as the providers document them (PROVIDER_FACTS.md), and what each must read as.
DOCUMENTED = [
    ("leadmagic", {"credits": 15432.5}, 15432.5, None, None),
    (
        "companyenrich",
        {"userId": "u", "credits": {"used": 40, "total": 100}, "capabilities": {"lists": True}},
        60.0,
        None,
        None,
    ),
    (
        "prospeo",
        {
            "error": False,
            "response": {
                "current_plan": "STARTER",
                "current_team_members": 1,
                "remaining_credits": 99,
                "used_credits": 1,
                "next_quota_renewal_days": 25,
                "next_quota_renewal_date": "2023-06-18 20:52:28+00:00",
            },
        },
        99.0,
        "STARTER",
        "2023-06-18 20:52:28+00:00",
    ),
    (
        "blitzapi",
        {
            "valid": True,
            "id": "x",
            "remaining_credits": 99.5,
            "next_reset_at": "2026-02-12T17:48:25.199Z",
            "max_requests_per_seconds": 5,
            "allowed_apis": ["/enrichment/email"],
            "active_plans": [{"name": "Startup Trial", "status": "active", "started_at": "2026-01-12"}],
        },
        99.5,
        "Startup Trial",
        "2026-02-12T17:48:25.199Z",
    ),
    (
        "blitzapi",
        {"id": "x", "credits_balance": 12, "credits_reset_at": "2026-03-01"},
        12.0,
        None,
        "2026-03-01",
    ),
    ("ampleleads", {"success": True, "data": {"available_credits": 36635}}, 36635.0, None, None),
    (
        "millionverifier",
        {"credits": 12345, "bulk_credits": 500, "renewing_credits": 0, "plan": 4},
        12345.0,
        "4",
        None,
    ),
    (
        "reoon",
        {
            "api_status": "active",
            "remaining_daily_credits": 150,
            "remaining_instant_credits": 5000,
            "status": "success",
        },
        5150.0,
        "active",
        None,
    ),
    ("adyntel", {"credits_left": 42}, 42.0, None, None),
    ("adyntel", {"data": {"credits": 7, "plan": "team"}}, 7.0, "team", None),
]


@pytest.mark.parametrize(("provider", "body", "remaining", "plan", "renews"), DOCUMENTED)
def test_documented_balances_read_the_same_way(
    provider: str, body: Any, remaining: float, plan: str | None, renews: str | None
) -> None:
    answer = _parse(provider, body)
    assert answer.outcome is Outcome.FOUND and answer.action == CREDITS and answer.cost_usd == 0
    assert answer.data["credits_remaining"] == remaining
    assert answer.data["plan"] == plan and answer.data["renews_at"] == renews


@pytest.mark.parametrize(
    ("provider", "body", "status", "error"),
    [
        (
            "leadmagic",
            {"success": False, "errors": [{"status": 401, "code": "invalid_api_key"}]},
            401,
            "bad_key",
        ),
        ("prospeo", {"error": True, "error_code": "INVALID_API_KEY"}, 401, "bad_key"),
        ("blitzapi", {"valid": False, "id": "x"}, 200, "bad_key"),
        ("ampleleads", {"success": False, "message": "Invalid API key"}, 401, "bad_key"),
        ("millionverifier", {"error": "Apikey not found", "credits": 0}, 200, "bad_key"),
        ("reoon", {"status": "error", "reason": "Invalid API key"}, 401, "bad_key"),
        ("companyenrich", {"title": "Unauthorized", "status": 401}, 401, "bad_key"),
        # Adyntel's answer is undocumented: a shape without a credits number is a failed check, not zero.
        ("adyntel", {"status": "ok", "team": "x"}, 200, "malformed_body"),
        ("leadmagic", {"credits": "lots"}, 200, "malformed_body"),
    ],
)
def test_failed_checks_are_failures_never_a_zero_balance(
    provider: str, body: Any, status: int, error: str
) -> None:
    answer = _parse(provider, body, status)
    assert answer.outcome is not Outcome.FOUND and answer.data is None
    assert answer.error_class == ErrorClass(error)


def test_a_check_needs_a_key_and_providers_without_an_endpoint_say_so() -> None:
    for name in WITH_BALANCE:
        check = get_provider(name).credits
        assert check is not None and check.name == CREDITS
        assert isinstance(check.build({}, KEY), RequestSpec)
        assert not isinstance(check.build({}, Credentials(api_key=None)), RequestSpec)
    without = sorted(n for n, p in all_providers().items() if p.credits is None)
    assert without and not set(without) & set(WITH_BALANCE)
    assert {all_providers()[n].credits_note for n in without} == {"no balance endpoint"}
    assert "undocumented" in get_provider("adyntel").credits_note


@pytest.mark.parametrize("provider", WITH_BALANCE)
async def test_the_sandbox_serves_each_balance_and_zero_when_out_of_credits(
    provider: str, sandbox: SandboxServer, client: HttpClient
) -> None:
    check = get_provider(provider).credits
    assert check is not None
    endpoint = sandbox_endpoint(sandbox, provider, email="sandbox@example.com")
    sandbox.reset()
    full = await execute(check, {}, endpoint=endpoint, client=client)
    assert full.outcome is Outcome.FOUND and full.data is not None and full.data["credits_remaining"] > 0
    with knobs(sandbox, provider, credits=0):
        empty = await execute(check, {}, endpoint=endpoint, client=client)
    with knobs(sandbox, provider, credits=250):
        some = await execute(check, {}, endpoint=endpoint, client=client)
    assert empty.outcome is Outcome.FOUND and empty.data is not None and empty.data["credits_remaining"] == 0
    assert some.data is not None and some.data["credits_remaining"] == 250
    wrong = sandbox_endpoint(sandbox, provider, key="wrong", email="sandbox@example.com")
    refused = await execute(check, {}, endpoint=wrong, client=client)
    assert refused.outcome is Outcome.FAILED and refused.error_class is ErrorClass.BAD_KEY
    stats = sandbox.stats()[provider]
    # Balance checks are free: they are not requests the engine would record as attempts.
    assert stats["balance_checks"] == 4 and stats["requests"] == 0
