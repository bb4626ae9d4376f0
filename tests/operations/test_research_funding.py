"""company.research.check_vc_funding against the sandbox, and its contract."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from cluster.gateway import GatewayPool
from operations.contracts.research import VcFundingOutput
from providers.sandbox.world import Company, World
from tests.operations.conftest import run_op


def _funded(world: World, *, raised: bool) -> Company:
    for domain in world.sample_domains(400, seed_offset=23):
        company = world.company(domain)
        funding = company.funding if company else None
        if company and funding and funding.has_raised_vc == raised and world.knows("revenueinfra", domain):
            return company
    raise AssertionError("no such company in the sample")


async def test_a_funded_company_lists_its_investors(pool: GatewayPool, world: World) -> None:
    company = _funded(world, raised=True)
    assert company.funding is not None
    result = await run_op(pool, "company.research.check_vc_funding", {"company_domain": company.domain})
    assert result.status == "found" and result.provider_order_used == ["revenueinfra"]
    output = result.output or {}
    investors = company.funding.investors
    assert output["has_raised_vc"] is True
    assert output["vc_names"] == [i.name for i in investors]
    assert output["vcs"] == [{"vc_name": i.name, "vc_domain": i.domain} for i in investors]
    assert output["vc_count"] == len(investors)
    assert output["founded_date"] == company.funding.founded_date
    assert output["source_provider"] == "revenueinfra"


async def test_a_bootstrapped_company_is_found_with_no_investors(pool: GatewayPool, world: World) -> None:
    company = _funded(world, raised=False)
    result = await run_op(pool, "company.research.check_vc_funding", {"company_domain": company.domain})
    output = result.output or {}
    assert result.status == "found"
    assert output["has_raised_vc"] is False and output["vc_count"] == 0 and output["vcs"] == []


async def test_no_funding_record_is_not_found(pool: GatewayPool, world: World) -> None:
    domain = next(
        d
        for d in world.sample_domains(400, seed_offset=23)
        if world.knows("revenueinfra", d) and (c := world.company(d)) and c.funding is None
    )
    result = await run_op(pool, "company.research.check_vc_funding", {"company_domain": domain})
    assert result.status == "not_found" and result.output is None


def test_vc_funding_contract() -> None:
    VcFundingOutput.model_validate(
        {
            "has_raised_vc": True,
            "vc_count": 1,
            "vc_names": ["Felicis"],
            "vcs": [{"vc_name": "Felicis", "vc_domain": "felicis.com"}],
            "founded_date": None,
            "source_provider": "revenueinfra",
        }
    )
    with pytest.raises(ValidationError):  # a firm without a name is not a firm
        VcFundingOutput.model_validate(
            {
                "has_raised_vc": True,
                "vc_count": 1,
                "vc_names": [],
                "vcs": [{"vc_domain": "felicis.com"}],
                "source_provider": "revenueinfra",
            }
        )
