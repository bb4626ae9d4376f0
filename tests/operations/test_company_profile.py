"""company.enrich.profile against the sandbox: every provider asked, answers merged, ids fed forward."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pytest
from pydantic import ValidationError

from cluster.gateway import GatewayPool
from operations.contracts.company_enrich import CompanyProfileOutput
from providers.base import ProviderResult
from providers.sandbox.world import World
from tests.operations.conftest import run_op

PROFILE = "company.enrich.profile"
PROVIDERS = ("prospeo", "blitzapi", "companyenrich", "leadmagic")


class RecordingCaller:
    """Passes calls to the gateways and keeps what each provider was sent."""

    def __init__(self, inner: GatewayPool) -> None:
        self.inner = inner
        self.sent: list[tuple[str, str, dict[str, Any]]] = []

    async def call(self, provider: str, action: str, inputs: Mapping[str, Any]) -> ProviderResult:
        self.sent.append((provider, action, dict(inputs)))
        return await self.inner.call(provider, action, inputs)


def _domain(world: World, known: Sequence[str] = (), unknown: Sequence[str] = ()) -> str:
    for domain in world.sample_domains(1000, seed_offset=31):
        if all(world.knows(p, domain) for p in known) and not any(world.knows(p, domain) for p in unknown):
            return domain
    raise AssertionError(f"no company known to {known} and unknown to {unknown}")


async def test_merging_fields_from_two_providers(pool: GatewayPool, world: World) -> None:
    domain = _domain(world, known=("prospeo", "blitzapi"))
    company = world.company(domain)
    assert company is not None
    caller = RecordingCaller(pool)

    result = await run_op(caller, PROFILE, {"company_domain": domain}, order=["prospeo", "blitzapi"])

    assert result.status == "found" and result.output is not None
    profile = result.output["company_profile"]
    assert profile["company_name"] == company.name and profile["company_domain"] == domain
    assert profile["industry_primary"] == company.industry and profile["founded_year"] == company.founded_year
    # Prospeo has no follower count; BlitzAPI's is the only one, and it lands in the merged profile.
    prospeo_raw, blitz_raw = (a.raw_response for a in result.attempts)
    assert "followers" not in prospeo_raw["company"]
    assert profile["follower_count"] == blitz_raw["company"]["followers"]
    assert result.output["source_providers"] == ["prospeo", "blitzapi"]
    assert {k: result.output[k] for k in profile} == profile
    # Prospeo named the LinkedIn page, so BlitzAPI enriched it directly.
    assert [(p, a) for p, a, _ in caller.sent] == [
        ("prospeo", "enrich_company"),
        ("blitzapi", "enrich_company"),
    ]
    assert caller.sent[1][2] == {"company_linkedin_url": company.linkedin_url}


async def test_found_by_the_second_provider_when_the_first_does_not_know(
    pool: GatewayPool, world: World
) -> None:
    domain = _domain(world, known=("blitzapi",), unknown=("prospeo",))
    company = world.company(domain)
    assert company is not None

    result = await run_op(pool, PROFILE, {"company_domain": domain})

    assert result.status == "found" and result.output is not None
    assert [(a.provider, a.action, a.status) for a in result.attempts[:3]] == [
        ("prospeo", "enrich_company", "not_found"),
        ("blitzapi", "domain_to_linkedin", "found"),
        ("blitzapi", "enrich_company", "found"),
    ]
    assert result.output["source_providers"][0] == "blitzapi"
    assert result.output["company_linkedin_url"] == company.linkedin_url
    assert result.output["employee_count"] == company.employee_count
    assert result.provider_order_used == list(PROVIDERS)


async def test_an_identifier_learned_early_reaches_later_providers(pool: GatewayPool, world: World) -> None:
    domain = _domain(world, known=("prospeo", "companyenrich"))
    company = world.company(domain)
    assert company is not None
    caller = RecordingCaller(pool)

    result = await run_op(caller, PROFILE, {"company_name": company.name}, order=["prospeo", "companyenrich"])

    assert result.status == "found" and result.output is not None
    assert result.output["company_domain"] == domain
    # CompanyEnrich's precise domain lookup, with the domain Prospeo found for the name.
    assert caller.sent[1] == ("companyenrich", "enrich_company", {"company_domain": domain})
    assert result.output["industry_derived"] == [company.industry]  # only CompanyEnrich lists industries


async def test_the_configured_order_is_the_order_tried(pool: GatewayPool, world: World) -> None:
    domain = _domain(world, known=("leadmagic", "companyenrich"))

    result = await run_op(
        pool, PROFILE, {"company_website": f"https://{domain}/"}, order=["leadmagic", "companyenrich"]
    )

    assert result.status == "found" and result.output is not None
    assert result.provider_order_used == ["leadmagic", "companyenrich"]
    assert result.output["source_providers"][0] == "leadmagic"


async def test_a_company_nobody_knows_is_not_found_after_asking_everyone(
    pool: GatewayPool, world: World
) -> None:
    domain = _domain(world, unknown=PROVIDERS)

    result = await run_op(pool, PROFILE, {"company_domain": domain})

    assert result.status == "not_found" and result.output is None
    assert result.provider_order_used == list(PROVIDERS)
    # Without a LinkedIn page BlitzAPI cannot enrich, so its lookup miss ends its turn.
    assert [(a.provider, a.action) for a in result.attempts if a.provider == "blitzapi"] == [
        ("blitzapi", "domain_to_linkedin")
    ]


async def test_unusable_and_missing_inputs_call_no_one(pool: GatewayPool) -> None:
    unusable = await run_op(pool, PROFILE, {"company_domain": 12345, "company_name": "  "})
    assert unusable.status == "failed" and unusable.attempts == []
    assert unusable.error is not None and unusable.error["code"] == "operation_failed"

    missing = await run_op(pool, PROFILE, {"email": "a@b.co"})
    assert missing.status == "failed" and missing.missing_inputs == [
        "company_domain|company_website|company_linkedin_url|company_name|source_company_id"
    ]


def test_profile_contract_accepts_a_merged_profile_and_refuses_strays() -> None:
    profile = {
        "company_name": "Acme",
        "company_domain": "acme.com",
        "employee_count": 12,
        "specialties": ["x"],
    }
    valid = {**profile, "company_profile": profile, "source_providers": ["prospeo"]}
    dumped = CompanyProfileOutput.model_validate(valid).model_dump()
    assert dumped["company_profile"]["company_domain"] == "acme.com" and dumped["logo_url"] is None
    with pytest.raises(ValidationError):
        CompanyProfileOutput.model_validate({**valid, "company_profile": {**profile, "ceo": "Jane"}})
    with pytest.raises(ValidationError):
        CompanyProfileOutput.model_validate({**valid, "founded_year": "long ago"})
    with pytest.raises(ValidationError):
        CompanyProfileOutput.model_validate({"company_profile": profile})
