"""person.contact.resolve_email and resolve_mobile_phone against the sandbox.

Icypeas and Parallel are polled providers: few tests reach them, and those that must get past Icypeas
make it fail at once (an account out of credits) instead of waiting for its search.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pydantic import ValidationError

from cluster.gateway import GatewayPool
from operations.contracts.person_contact import ResolveEmailOutput, ResolveMobileOutput
from operations.spec import OperationStatus
from providers.sandbox.server import SandboxServer
from providers.sandbox.world import Person, World
from tests.operations.conftest import run_op
from tests.support.sandbox import knobs

EMAIL = "person.contact.resolve_email"
MOBILE = "person.contact.resolve_mobile_phone"


def _person(world: World, test: Callable[[Person], bool], offset: int = 41) -> Person:
    for domain in world.sample_domains(400, seed_offset=offset):
        for person in world.people(domain)[:20]:
            if test(person):
                return person
    raise AssertionError("no person in the world fits the test")


def _finds(world: World, provider: str, person: Person) -> bool:
    return world.email_guess(provider, person) == person.work_email


def _named(person: Person) -> dict[str, Any]:
    return {
        "first_name": person.first_name,
        "last_name": person.last_name,
        "company_domain": person.company_domain,
    }


def _steps(result: Any) -> list[tuple[str, str, str]]:
    return [(a.provider, a.action, a.status) for a in result.attempts]


# -- resolve_email --------------------------------------------------------------------------------------


async def test_leadmagic_finds_the_email_and_millionverifier_confirms_it(
    pool: GatewayPool, world: World
) -> None:
    person = _person(
        world,
        lambda p: (
            _finds(world, "leadmagic", p)
            and world.verify("millionverifier", p.work_email) == "valid"
            and p.email_status == "valid"
        ),
    )
    result = await run_op(pool, EMAIL, _named(person))
    assert result.status is OperationStatus.FOUND and result.output is not None
    assert result.output["email"] == person.work_email and result.output["source_provider"] == "leadmagic"
    verdict = result.output["verification"]
    assert verdict["provider"] == "millionverifier" and verdict["status"] == "valid"
    assert verdict["inconclusive"] is False and isinstance(verdict["raw_response"], dict)
    assert result.provider_order_used == ["leadmagic", "millionverifier"]


async def test_an_inconclusive_verdict_asks_reoon(pool: GatewayPool, world: World) -> None:
    person = _person(
        world,
        lambda p: (
            _finds(world, "leadmagic", p)
            and world.verify("millionverifier", p.work_email) == "unknown"
            and world.verify("reoon", p.work_email) == "valid"
        ),
        offset=42,
    )
    result = await run_op(
        pool, EMAIL, {"full_name": person.full_name, "company_domain": person.company_domain}
    )
    assert result.output is not None and result.output["verification"]["provider"] == "reoon"
    assert result.output["verification"]["status"] == "valid"
    assert result.provider_order_used == ["leadmagic", "millionverifier", "reoon"]


async def test_icypeas_finds_the_email_leadmagic_does_not_know(pool: GatewayPool, world: World) -> None:
    person = _person(
        world, lambda p: world.email_guess("leadmagic", p) is None and _finds(world, "icypeas", p)
    )
    result = await run_op(pool, EMAIL, {**_named(person), "company_name": "ignored when a domain is known"})
    assert result.status is OperationStatus.FOUND and result.output is not None
    assert result.output["email"] == person.work_email and result.output["source_provider"] == "icypeas"
    assert _steps(result)[:2] == [
        ("leadmagic", "email_finder", "not_found"),
        ("icypeas", "email_search", "found"),
    ]
    assert "parallel" not in result.provider_order_used


async def test_parallel_is_the_last_resort_when_icypeas_fails(
    pool: GatewayPool, world: World, sandbox: SandboxServer
) -> None:
    person = _person(
        world, lambda p: world.email_guess("leadmagic", p) is None and _finds(world, "parallel", p)
    )
    with knobs(sandbox, "icypeas", credits=0):
        result = await run_op(pool, EMAIL, _named(person))
    assert result.status is OperationStatus.FOUND and result.output is not None
    assert result.output["email"] == person.work_email and result.output["source_provider"] == "parallel"
    assert [(a.provider, a.status) for a in result.attempts[:3]] == [
        ("leadmagic", "not_found"),
        ("icypeas", "failed"),
        ("parallel", "found"),
    ]


async def test_a_miss_everywhere_returns_no_output_so_no_null_overwrites_an_email(
    pool: GatewayPool, world: World, sandbox: SandboxServer
) -> None:
    person = _person(
        world,
        lambda p: world.email_guess("leadmagic", p) is None and world.email_guess("parallel", p) is None,
    )
    context = {**_named(person), "email": "kept@example.com"}
    with knobs(sandbox, "icypeas", credits=0):
        result = await run_op(pool, EMAIL, context)
    assert result.status is OperationStatus.NOT_FOUND and result.output is None
    assert [a.provider for a in result.attempts] == ["leadmagic", "icypeas", "parallel"]


async def test_resolve_email_reports_missing_and_unusable_inputs(pool: GatewayPool) -> None:
    missing = await run_op(pool, EMAIL, {"full_name": "Jane Doe"})
    assert missing.status is OperationStatus.FAILED
    assert missing.missing_inputs == ["company_domain|company_website|company_name"]
    unusable = await run_op(pool, EMAIL, {"full_name": "Jane Doe", "company_domain": 12345})
    assert unusable.status is OperationStatus.FAILED and unusable.attempts == []
    assert unusable.error is not None and unusable.error["code"] == "operation_failed"


async def test_a_lone_first_name_goes_to_icypeas_only(pool: GatewayPool, sandbox: SandboxServer) -> None:
    with knobs(sandbox, "icypeas", credits=0):
        result = await run_op(pool, EMAIL, {"first_name": "Jane", "company_domain": "no-such-company-xq.com"})
    assert [(a.provider, a.status) for a in result.attempts] == [
        ("leadmagic", "skipped"),
        ("icypeas", "failed"),
        ("parallel", "skipped"),
    ]
    assert result.status is OperationStatus.FAILED and result.output is None


def test_resolve_email_contract() -> None:
    verdict = {"provider": "reoon", "status": "valid", "inconclusive": False, "raw_response": {}}
    valid = {"email": "jane@acme.com", "source_provider": "icypeas", "verification": verdict}
    assert ResolveEmailOutput.model_validate(valid).verification is not None
    assert ResolveEmailOutput.model_validate({}).model_dump() == {
        "email": None,
        "source_provider": None,
        "verification": None,
    }
    for broken in (
        {**valid, "source_provider": "someone_else"},
        {**valid, "verification": {"provider": "reoon"}},
        {**valid, "confidence": 0.9},
    ):
        with pytest.raises(ValidationError):
            ResolveEmailOutput.model_validate(broken)


# -- resolve_mobile_phone -------------------------------------------------------------------------------


def _mobile(world: World, provider: str, person: Person) -> bool:
    """Tell whether the provider's sandbox answers this person's mobile number."""
    known = person.mobile_phone is not None and world.knows(provider, person.person_id)
    return known and (provider != "blitzapi" or person.country_code == "US")


async def test_leadmagic_finds_the_mobile_from_a_linkedin_profile(pool: GatewayPool, world: World) -> None:
    person = _person(world, lambda p: _mobile(world, "leadmagic", p))
    result = await run_op(pool, MOBILE, {"profile_url": person.linkedin_url})
    assert result.status is OperationStatus.FOUND
    assert result.output == {"mobile_phone": person.mobile_phone, "source_provider": "leadmagic"}
    assert _steps(result) == [("leadmagic", "mobile_finder", "found")]


async def test_blitz_finds_the_mobile_leadmagic_does_not_know(pool: GatewayPool, world: World) -> None:
    person = _person(world, lambda p: not _mobile(world, "leadmagic", p) and _mobile(world, "blitzapi", p))
    result = await run_op(pool, MOBILE, {"linkedin_url": person.linkedin_url})
    assert result.output == {"mobile_phone": person.mobile_phone, "source_provider": "blitzapi"}
    assert result.provider_order_used == ["leadmagic", "blitzapi"]


async def test_the_configured_order_puts_blitz_first(pool: GatewayPool, world: World) -> None:
    person = _person(world, lambda p: _mobile(world, "leadmagic", p) and _mobile(world, "blitzapi", p))
    result = await run_op(
        pool, MOBILE, {"linkedin_url": person.linkedin_url}, order=["blitzapi", "leadmagic"]
    )
    assert result.output == {"mobile_phone": person.mobile_phone, "source_provider": "blitzapi"}
    assert _steps(result) == [("blitzapi", "find_phone", "found")]


async def test_an_email_alone_reaches_leadmagic_and_blitz_is_skipped(pool: GatewayPool, world: World) -> None:
    person = _person(world, lambda p: p.mobile_phone is None)
    result = await run_op(pool, MOBILE, {"email": person.work_email})
    assert result.status is OperationStatus.NOT_FOUND and result.output is None
    assert _steps(result) == [
        ("leadmagic", "mobile_finder", "not_found"),
        ("blitzapi", "find_phone", "skipped"),
    ]


async def test_no_mobile_anywhere_is_not_found(pool: GatewayPool, world: World) -> None:
    person = _person(world, lambda p: p.mobile_phone is None)
    result = await run_op(
        pool, MOBILE, {"linkedin_url": person.linkedin_url, "work_email": person.work_email}
    )
    assert result.status is OperationStatus.NOT_FOUND and result.output is None
    assert [(a.provider, a.status) for a in result.attempts] == [
        ("leadmagic", "not_found"),
        ("blitzapi", "not_found"),
    ]


async def test_resolve_mobile_reports_unusable_inputs(pool: GatewayPool) -> None:
    result = await run_op(pool, MOBILE, {"linkedin_url": "https://www.linkedin.com/company/acme"})
    assert result.status is OperationStatus.FAILED and result.attempts == []
    missing = await run_op(pool, MOBILE, {"full_name": "Jane Doe"})
    assert missing.missing_inputs == ["profile_url|linkedin_url|work_email|personal_email|email"]


def test_resolve_mobile_contract() -> None:
    valid = {"mobile_phone": "+14155550100", "source_provider": "blitzapi"}
    assert ResolveMobileOutput.model_validate(valid).model_dump() == valid
    for broken in (
        {**valid, "source_provider": "prospeo"},
        {**valid, "mobile_phone": 4155550100},
        {"phone": "x"},
    ):
        with pytest.raises(ValidationError):
            ResolveMobileOutput.model_validate(broken)


async def test_the_history_keeps_every_retried_try(
    pool: GatewayPool, world: World, sandbox: SandboxServer
) -> None:
    person = _person(world, lambda p: _finds(world, "leadmagic", p))
    verifier = pool.gateway("millionverifier")
    before = verifier.stats.attempts
    with knobs(sandbox, "millionverifier", error_rate=0.6):
        results = [await run_op(pool, EMAIL, _named(person)) for _ in range(4)]
    checks = [a for r in results for a in r.attempts if a.provider == "millionverifier"]
    failed = [a for a in checks if a.status == "failed"]
    assert failed and all(a.error_class == "server_error" and a.http_status == 500 for a in failed)
    assert len(checks) == verifier.stats.attempts - before
    for result in results:
        tries = [a.status for a in result.attempts if a.provider == "millionverifier"]
        assert tries[-1] != "failed" or len(tries) == verifier.max_attempts
