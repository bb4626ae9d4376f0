"""RevenueInfra adapter against the sandbox: every action over real HTTP, answered from the world."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from providers import revenueinfra as ri
from providers.base import ErrorClass, Outcome, ProviderResult
from providers.execute import execute
from providers.http import HttpClient
from providers.revenueinfra import pricing
from providers.sandbox.server import SandboxServer
from providers.sandbox.world import Company, World
from tests.providers.conftest import knobs, sandbox_endpoint

NAME = ri.PROVIDER.name
ACTIONS = ri.PROVIDER.actions


def _known(world: World, wanted: Callable[[Company], bool]) -> Company:
    """Return the first sampled company RevenueInfra knows that satisfies wanted."""
    for domain in world.sample_domains(600, seed_offset=11):
        company = world.company(domain)
        if company is not None and world.knows(NAME, domain) and wanted(company):
            return company
    raise AssertionError("no such company in the world")


async def _run(sandbox: SandboxServer, client: HttpClient, action: str, **inputs: Any) -> ProviderResult:
    endpoint = sandbox_endpoint(sandbox, NAME)
    return await execute(ACTIONS[action], inputs, endpoint=endpoint, client=client)


def _brief(world: World, domain: str) -> Company:
    company = world.company(domain)
    assert company is not None
    return company


async def test_competitors_by_domain_and_by_name(
    sandbox: SandboxServer, world: World, client: HttpClient
) -> None:
    company = _known(world, lambda c: bool(c.competitors))
    expected = [
        {"name": rival.name, "domain": rival.domain, "linkedin_url": rival.linkedin_url}
        for rival in (_brief(world, d) for d in company.competitors)
    ]
    by_domain = await _run(sandbox, client, "competitors", company_website=f"https://www.{company.domain}/")
    assert by_domain.outcome is Outcome.FOUND and by_domain.data == {"competitors": expected}
    assert by_domain.http_status == 200 and by_domain.duration_ms is not None
    by_name = await _run(sandbox, client, "competitors", company_name=company.name)
    assert by_name.outcome is Outcome.FOUND and by_name.data == {"competitors": expected}


async def test_similar_companies_and_customers(
    sandbox: SandboxServer, world: World, client: HttpClient
) -> None:
    company = _known(world, lambda c: bool(c.similar and c.customers))
    similar = await _run(sandbox, client, "similar_companies", company_domain=company.domain)
    assert similar.outcome is Outcome.FOUND and similar.data is not None
    rows = similar.data["similar_companies"]
    assert [(r["company_domain"], r["similarity_score"]) for r in rows] == list(company.similar)
    assert rows[0]["company_name"] == _brief(world, company.similar[0][0]).name
    customers = await _run(sandbox, client, "customers", company_domain=company.domain)
    assert customers.outcome is Outcome.FOUND and customers.data is not None
    assert [r["customer_domain"] for r in customers.data["customers"]] == list(company.customers)
    assert {r["origin_company_domain"] for r in customers.data["customers"]} == {company.domain}


async def test_champions_and_testimonials(sandbox: SandboxServer, world: World, client: HttpClient) -> None:
    company = _known(world, lambda c: bool(c.customers) and bool(world.champions(c.domain)))
    truth = world.champions(company.domain)
    plain = await _run(sandbox, client, "champions", company_domain=company.domain)
    assert plain.outcome is Outcome.FOUND and plain.data is not None
    assert [c["full_name"] for c in plain.data["champions"]] == [c.full_name for c in truth]
    assert "testimonial" not in plain.data["champions"][0]
    detailed = await _run(sandbox, client, "champion_testimonials", company_domain=company.domain)
    assert detailed.data is not None
    assert [c["testimonial"] for c in detailed.data["champions"]] == [c.testimonial for c in truth]
    assert detailed.data["champions"][0]["case_study_url"] == truth[0].case_study_url


async def test_alumni(sandbox: SandboxServer, world: World, client: HttpClient) -> None:
    company = _known(world, lambda c: True)
    outcome = await _run(sandbox, client, "alumni", company_domain=company.domain)
    assert outcome.outcome is Outcome.FOUND and outcome.data is not None
    alumni = outcome.data["alumni"]
    assert alumni and {a["past_company_domain"] for a in alumni} == {company.domain}
    first = world.person_by_linkedin(alumni[0]["linkedin_url"])
    assert first is not None and alumni[0]["current_company_domain"] == first.company_domain != company.domain
    assert alumni[0]["current_company_linkedin_url"] == _brief(world, first.company_domain).linkedin_url


async def test_vc_funding(sandbox: SandboxServer, world: World, client: HttpClient) -> None:
    company = _known(world, lambda c: c.funding is not None and c.funding.has_raised_vc)
    assert company.funding is not None
    outcome = await _run(sandbox, client, "vc_funding", company_domain=company.domain)
    assert outcome.outcome is Outcome.FOUND and outcome.data == {
        "has_raised_vc": True,
        "vc_count": len(company.funding.investors),
        "vc_names": [vc.name for vc in company.funding.investors],
        "vcs": [{"vc_name": vc.name, "vc_domain": vc.domain} for vc in company.funding.investors],
        "founded_date": company.funding.founded_date,
    }
    unfunded = _known(world, lambda c: c.funding is None)
    missing = await _run(sandbox, client, "vc_funding", company_domain=unfunded.domain)
    assert missing.outcome is Outcome.NOT_FOUND


async def test_all_fourteen_pricing_analyses(
    sandbox: SandboxServer, world: World, client: HttpClient
) -> None:
    company = _known(world, lambda c: c.pricing is not None)
    assert company.pricing is not None and company.pricing_page_url is not None
    answers = await asyncio.gather(
        *(
            _run(sandbox, client, f"pricing_{field}", pricing_page_url=company.pricing_page_url)
            for field in pricing.FIELDS
        )
    )
    for field, answer in zip(pricing.FIELDS, answers, strict=True):
        truth = getattr(company.pricing, field)
        expected = int(truth) if field == "number_of_tiers" and truth.isdigit() else truth
        assert answer.outcome is Outcome.FOUND and answer.data == {field: expected}, field
        assert answer.cost_usd == pricing.COST_PER_ANALYSIS_USD


async def test_a_page_that_is_not_the_companys_pricing_page_is_not_found(
    sandbox: SandboxServer, world: World, client: HttpClient
) -> None:
    company = _known(world, lambda c: c.pricing is not None)
    other = await _run(
        sandbox, client, "pricing_free_trial", pricing_page_url=f"https://{company.domain}/plans"
    )
    assert other.outcome is Outcome.NOT_FOUND and other.http_status == 404
    bare = _known(world, lambda c: c.pricing is None)
    none = await _run(
        sandbox, client, "pricing_sales_motion", pricing_page_url=f"https://{bare.domain}/pricing"
    )
    assert none.outcome is Outcome.NOT_FOUND


async def test_empty_list_is_found_and_unknown_companies_are_not(
    sandbox: SandboxServer, world: World, client: HttpClient
) -> None:
    lonely = _known(world, lambda c: not c.competitors)
    empty = await _run(sandbox, client, "competitors", company_domain=lonely.domain)
    assert empty.outcome is Outcome.FOUND and empty.data == {"competitors": []}
    nowhere = await _run(sandbox, client, "customers", company_domain="no-such-company.example")
    assert nowhere.outcome is Outcome.NOT_FOUND and nowhere.http_status == 404
    unseen = next(d for d in world.sample_domains(200, seed_offset=12) if not world.knows(NAME, d))
    not_covered = await _run(sandbox, client, "similar_companies", company_domain=unseen)
    assert not_covered.outcome is Outcome.NOT_FOUND


async def test_bad_key_and_bad_input(sandbox: SandboxServer, world: World, client: HttpClient) -> None:
    domain = _known(world, lambda c: True).domain
    endpoint = sandbox_endpoint(sandbox, NAME, key="wrong")
    bad_key = await execute(ACTIONS["alumni"], {"company_domain": domain}, endpoint=endpoint, client=client)
    assert bad_key.outcome is Outcome.FAILED and bad_key.error_class is ErrorClass.BAD_KEY
    assert bad_key.http_status == 401
    bad_input = await _run(sandbox, client, "customers", company_domain="not a domain")
    assert bad_input.outcome is Outcome.FAILED and bad_input.error_class is ErrorClass.BAD_INPUT
    assert bad_input.http_status == 422


async def test_429_then_success(sandbox: SandboxServer, world: World, client: HttpClient) -> None:
    domain = _known(world, lambda c: True).domain
    with knobs(sandbox, NAME, rate_per_second=1, burst=1):
        first = await _run(sandbox, client, "vc_funding", company_domain=domain)
        second = await _run(sandbox, client, "vc_funding", company_domain=domain)
        assert first.outcome in (Outcome.FOUND, Outcome.NOT_FOUND)
        assert second.outcome is Outcome.RETRYABLE and second.error_class is ErrorClass.RATE_LIMITED
        assert second.retry_after_s is not None and second.retry_after_s >= 1
        await asyncio.sleep(second.retry_after_s)
        third = await _run(sandbox, client, "vc_funding", company_domain=domain)
        assert third.outcome is first.outcome


async def test_5xx_and_timeout_are_retryable(
    sandbox: SandboxServer, world: World, client: HttpClient
) -> None:
    domain = _known(world, lambda c: True).domain
    with knobs(sandbox, NAME, error_rate=1.0):
        outcome = await _run(sandbox, client, "customers", company_domain=domain)
        assert outcome.outcome is Outcome.RETRYABLE and outcome.error_class is ErrorClass.SERVER_ERROR
    with knobs(sandbox, NAME, timeout_rate=1.0, timeout_s=10):
        outcome = await _run(sandbox, client, "customers", company_domain=domain)
        assert outcome.outcome is Outcome.RETRYABLE and outcome.error_class is ErrorClass.TIMEOUT
        assert outcome.duration_ms is not None and 2_500 < outcome.duration_ms < 8_000


async def test_malformed_body_and_no_credits(
    sandbox: SandboxServer, world: World, client: HttpClient
) -> None:
    domain = _known(world, lambda c: True).domain
    with knobs(sandbox, NAME, malformed_rate=1.0):
        outcome = await _run(sandbox, client, "alumni", company_domain=domain)
        assert outcome.outcome is Outcome.FAILED and outcome.error_class is ErrorClass.MALFORMED_BODY
    with knobs(sandbox, NAME, credits=0):
        outcome = await _run(sandbox, client, "alumni", company_domain=domain)
        assert outcome.error_class is ErrorClass.NO_CREDITS and outcome.http_status == 402


async def test_missing_inputs_and_key_are_skipped(sandbox: SandboxServer, client: HttpClient) -> None:
    skipped = await _run(sandbox, client, "champions", company_name="Acme")
    assert skipped.outcome is Outcome.SKIPPED and skipped.missing_inputs == (
        "company_domain|company_website",
    )
    no_page = await _run(sandbox, client, "pricing_minimum_seats", company_domain="acme.com")
    assert no_page.outcome is Outcome.SKIPPED and no_page.missing_inputs == ("pricing_page_url",)
    endpoint = sandbox_endpoint(sandbox, NAME, key=None)
    no_key = await execute(ACTIONS["competitors"], {"company_name": "Acme"}, endpoint=endpoint, client=client)
    assert no_key.outcome is Outcome.SKIPPED and no_key.skip_reason == "missing_provider_api_key"
