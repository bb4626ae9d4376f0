"""company.enrich.ecommerce (StoreLeads) and company.enrich.card_revenue (Enigma) against the sandbox."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from pydantic import ValidationError

from cluster.gateway import GatewayPool
from operations.contracts.company_enrich import CardRevenueOutput, EcommerceOutput
from providers.sandbox.world import Company, World
from tests.operations.conftest import run_op

ECOMMERCE = "company.enrich.ecommerce"
CARD_REVENUE = "company.enrich.card_revenue"


def _company(world: World, wanted: Callable[[Company], bool]) -> Company:
    for domain in world.sample_domains(2000, seed_offset=41):
        company = world.company(domain)
        if company is not None and wanted(company):
            return company
    raise AssertionError("no company fits")


# -- ecommerce -----------------------------------------------------------------------------------------


async def test_ecommerce_reports_the_store_behind_a_domain(pool: GatewayPool, world: World) -> None:
    company = _company(world, lambda c: c.store is not None and len(c.store.installed_apps) >= 2)
    store = company.store
    assert store is not None

    result = await run_op(pool, ECOMMERCE, {"company_website": f"https://www.{company.domain}/shop"})

    assert result.status == "found" and result.output is not None
    output = result.output
    assert output["merchant_name"] == company.name and output["source_provider"] == "storeleads"
    assert output["ecommerce_platform"] == store.platform and output["global_rank"] == store.global_rank
    assert output["estimated_monthly_sales_cents"] == store.estimated_monthly_sales_cents
    assert [app["name"] for app in output["installed_apps"]] == [app.name for app in store.installed_apps]
    assert output["domain_state"] == "Active" and output["country_code"] == store.country_code


async def test_ecommerce_without_a_store_is_not_found(pool: GatewayPool, world: World) -> None:
    company = _company(world, lambda c: c.store is None)

    result = await run_op(pool, ECOMMERCE, {"company_domain": company.domain})

    assert result.status == "not_found" and result.output is None
    assert result.provider_order_used == ["storeleads"]


async def test_ecommerce_refuses_a_domain_that_is_not_one(pool: GatewayPool) -> None:
    result = await run_op(pool, ECOMMERCE, {"company_domain": 12345})
    assert result.status == "failed" and result.attempts == []


def test_ecommerce_contract() -> None:
    valid = {
        "merchant_name": "Acme",
        "installed_apps": [{"name": "Klaviyo", "categories": ["email"], "monthly_cost": "$20/month"}],
        "contact_info": [{"type": "email", "value": "hi@acme.com", "source": "/"}],
        "global_rank": 1200,
        "source_provider": "storeleads",
    }
    assert EcommerceOutput.model_validate(valid).model_dump()["features"] is None
    with pytest.raises(ValidationError):
        EcommerceOutput.model_validate({**valid, "installed_apps": [{"categories": ["email"]}]})
    with pytest.raises(ValidationError):
        EcommerceOutput.model_validate({**valid, "global_rank": "top"})
    with pytest.raises(ValidationError):
        EcommerceOutput.model_validate({k: v for k, v in valid.items() if k != "source_provider"})


# -- card revenue --------------------------------------------------------------------------------------


def _brand(world: World) -> Company:
    return _company(world, lambda c: c.card_revenue is not None and world.knows("enigma", c.domain))


async def test_card_revenue_reports_a_year_and_each_month(pool: GatewayPool, world: World) -> None:
    company = _brand(world)
    card = company.card_revenue
    assert card is not None

    result = await run_op(
        pool, CARD_REVENUE, {"company_domain": company.domain, "company_name": company.name}
    )

    assert result.status == "found" and result.output is not None
    output = result.output
    assert output["enigma_brand_id"] == card.brand_id and output["location_count"] == card.location_count
    assert output["annual_card_revenue"] == card.annual_card_revenue
    assert output["annual_transaction_count"] == card.transaction_count
    assert [p["value"] for p in output["monthly_revenue"]] == [m.card_revenue for m in card.monthly]
    assert [p["period_start"] for p in output["monthly_transactions"]] == [
        m.period_start for m in card.monthly
    ]
    assert output["source_provider"] == "enigma"


async def test_months_back_step_parameter_reaches_enigma(pool: GatewayPool, world: World) -> None:
    company = _brand(world)
    card = company.card_revenue
    assert card is not None
    context = {"company_name": company.name, "months_back": 6}

    result = await run_op(pool, CARD_REVENUE, context, params={"months_back": 3})

    assert result.status == "found" and result.output is not None
    latest = [m.card_revenue for m in card.monthly[-3:]]
    assert [p["value"] for p in result.output["monthly_revenue"]] == latest


async def test_card_revenue_of_a_company_without_card_data_is_not_found(
    pool: GatewayPool, world: World
) -> None:
    company = _company(world, lambda c: c.card_revenue is None)

    result = await run_op(pool, CARD_REVENUE, {"company_domain": company.domain})

    assert result.status == "not_found" and result.output is None


def test_card_revenue_contract() -> None:
    valid = {
        "enigma_brand_id": "b-1",
        "annual_card_revenue": 1200.5,
        "monthly_revenue": [{"period_start": "2025-01-01", "value": 100.0}],
        "source_provider": "enigma",
    }
    assert CardRevenueOutput.model_validate(valid).model_dump()["monthly_refunds"] is None
    with pytest.raises(ValidationError):
        CardRevenueOutput.model_validate({**valid, "monthly_revenue": [{"value": 1.0}]})
    with pytest.raises(ValidationError):
        CardRevenueOutput.model_validate({**valid, "annual_card_revenue": "lots"})
    with pytest.raises(ValidationError):
        CardRevenueOutput.model_validate({**valid, "card_revenue": 1.0})
