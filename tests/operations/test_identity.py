"""company.resolve.identity: messy references normalized, then matched through the provider waterfall."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from cluster.gateway import GatewayPool
from operations.contracts.identity import CompanyIdentityOutput
from operations.inputs import Inputs
from operations.micro.identity import name_variants, read_identity
from operations.spec import OperationStatus
from providers.sandbox.world import Company, World
from tests.operations.conftest import run_op
from tests.operations.test_micro import QuickPolls

OP = "company.resolve.identity"


def _company(world: World, *, name_suffix_free: bool = True, **knows: bool) -> Company:
    """A company each named provider does (True) or does not (False) know."""
    for domain in world.sample_domains(400, seed_offset=21):
        company = world.company(domain)
        if company is None or (name_suffix_free and len(name_variants(company.name)) > 1):
            continue
        if all(world.knows(provider, domain) is known for provider, known in knows.items()):
            return company
    raise AssertionError(f"no company with {knows}")


def _identity(company: Company, **fields: Any) -> dict[str, Any]:
    return {
        "company_domain": company.domain,
        "company_name": company.name,
        "company_linkedin_url": company.linkedin_url,
        "confidence": "high",
        "method": "domain",
        "source_provider": "prospeo",
        **fields,
    }


# -- normalization alone ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("context", "expected"),
    [
        ({"company_domain": "https://www.Acme.com/about?x=1"}, ("acme.com", None, None, "domain")),
        ({"company_website": "acme.com/"}, ("acme.com", None, None, "domain")),
        ({"query": "WWW.ACME.COM"}, ("acme.com", None, None, "domain")),
        ({"company_name": "  Acme   Inc "}, (None, "Acme Inc", None, "lookup")),
        ({"input": "Acme Inc"}, (None, "Acme Inc", None, "lookup")),
        ({"company_name": "acme.com"}, ("acme.com", None, None, "domain")),
        (
            {"company_name": "Booking.com", "company_domain": "booking.com"},
            ("booking.com", None, None, "domain"),
        ),
        (
            {"company_website": "https://linkedin.com/company/Acme/about"},
            (None, None, "https://www.linkedin.com/company/acme", "lookup"),
        ),
        (
            {"query": "linkedin.com/company/acme", "company_domain": "acme.io"},
            ("acme.io", None, "https://www.linkedin.com/company/acme", "domain"),
        ),
        ({"email": " Jane.Doe@Acme.com "}, ("acme.com", None, None, "email")),
        ({"query": "jane@acme.com"}, ("acme.com", None, None, "email")),
        ({"email": "jane@gmail.com", "company_name": "Acme"}, (None, "Acme", None, "lookup")),
        ({"company_domain": "facebook.com/acme", "email": "jo@acme.com"}, ("acme.com", None, None, "email")),
        (
            {"company_domain": 12345, "company_name": ["Acme"], "query": {"$ne": None}},
            (None, None, None, "lookup"),
        ),
    ],
)
def test_messy_inputs_are_normalized_before_anyone_is_asked(
    context: dict[str, Any], expected: tuple[str | None, ...]
) -> None:
    known = read_identity(Inputs(context))
    assert (known.domain, known.name, known.linkedin, known.method) == expected


# -- against the sandbox ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "messy",
    [
        {"company_domain": "https://www.{Domain}/about?x=1"},
        {"company_website": "{domain}/"},
        {"company_domain": "WWW.{DOMAIN}"},
        {"query": "http://{domain}"},
    ],
)
async def test_a_messy_domain_resolves_to_the_worlds_company(
    messy: dict[str, str], pool: GatewayPool, world: World
) -> None:
    company = _company(world, prospeo=True)
    domain = company.domain
    context = {
        key: value.format(domain=domain, Domain=domain.capitalize(), DOMAIN=domain.upper())
        for key, value in messy.items()
    }
    result = await run_op(pool, OP, context)
    assert result.status is OperationStatus.FOUND, result.error
    assert result.output == _identity(company)
    assert result.provider_order_used == ["prospeo"]
    assert result.attempts[0].raw_response is not None


async def test_a_name_with_a_legal_suffix_resolves_by_name(pool: GatewayPool, world: World) -> None:
    company = _company(world, prospeo=True)
    result = await run_op(pool, OP, {"company_name": f"{company.name}, Inc."})
    assert result.status is OperationStatus.FOUND, result.error
    assert result.output == _identity(company, method="lookup")
    # The name as given first, then without its legal form.
    assert [(a.provider, a.status) for a in result.attempts] == [
        ("prospeo", "not_found"),
        ("prospeo", "found"),
    ]


async def test_a_linkedin_url_alone_resolves(pool: GatewayPool, world: World) -> None:
    company = _company(world, prospeo=True)
    url = company.linkedin_url.replace("https://www.", "http://").upper() + "/"
    result = await run_op(pool, OP, {"company_linkedin_url": url})
    assert result.status is OperationStatus.FOUND, result.error
    assert result.output == _identity(company, method="lookup")


async def test_a_work_email_resolves_to_its_company(pool: GatewayPool, world: World) -> None:
    company = _company(world, prospeo=True)
    person = world.people(company.domain)[0]
    result = await run_op(pool, OP, {"email": person.work_email.upper(), "first_name": person.first_name})
    assert result.status is OperationStatus.FOUND, result.error
    assert result.output == _identity(company, method="email")


async def test_the_second_provider_matches_what_the_first_does_not_know(
    pool: GatewayPool, world: World
) -> None:
    company = _company(world, prospeo=False, companyenrich=True)
    result = await run_op(pool, OP, {"company_name": company.name})
    assert result.status is OperationStatus.FOUND, result.error
    assert result.output == _identity(company, method="lookup", source_provider="companyenrich")
    assert result.provider_order_used == ["prospeo", "companyenrich"]


async def test_blitz_turns_a_linkedin_page_into_a_domain_when_the_enrichers_miss(
    pool: GatewayPool, world: World
) -> None:
    company = _company(world, prospeo=False, companyenrich=False, blitzapi=True)
    result = await run_op(pool, OP, {"company_linkedin_url": company.linkedin_url})
    assert result.status is OperationStatus.FOUND, result.error
    assert result.output == _identity(company, company_name=None, method="lookup", source_provider="blitzapi")
    assert result.provider_order_used == ["prospeo", "companyenrich", "blitzapi"]


async def test_parallel_researches_a_name_no_enricher_knows(pool: GatewayPool, world: World) -> None:
    company = _company(world, prospeo=False, companyenrich=False, parallel=True)
    result = await run_op(QuickPolls(pool), OP, {"query": company.name})
    assert result.status is OperationStatus.FOUND, result.error
    assert result.output == _identity(company, method="lookup", source_provider="parallel")
    assert result.provider_order_used == ["prospeo", "companyenrich", "parallel"]


async def test_a_name_nobody_knows_is_not_found_through_the_whole_waterfall(pool: GatewayPool) -> None:
    context = {"company_name": "Zzyzx Quantum Widgets Ltd"}
    result = await run_op(QuickPolls(pool), OP, context)
    assert result.status is OperationStatus.NOT_FOUND and result.output is None
    assert result.provider_order_used == ["prospeo", "companyenrich", "parallel"]
    assert {a.status for a in result.attempts} == {"not_found"}
    without_research = await run_op(pool, OP, context, params={"research_fallback": False})
    assert without_research.status is OperationStatus.NOT_FOUND
    assert without_research.provider_order_used == ["prospeo", "companyenrich"]


async def test_a_domain_nobody_knows_is_still_found_from_the_input(pool: GatewayPool, world: World) -> None:
    company = _company(world, prospeo=False, companyenrich=False, blitzapi=False)
    result = await run_op(pool, OP, {"company_domain": company.website, "company_name": " Some   Name "})
    assert result.status is OperationStatus.FOUND, result.error
    assert result.output == {
        "company_domain": company.domain,
        "company_name": "Some Name",
        "company_linkedin_url": None,
        "confidence": "medium",
        "method": "domain",
        "source_provider": None,
    }
    assert result.provider_order_used == ["prospeo", "companyenrich", "blitzapi"]


async def test_a_complete_identity_asks_no_one(pool: GatewayPool, world: World) -> None:
    company = _company(world)
    context = {
        "company_domain": company.domain,
        "company_name": company.name,
        "company_linkedin_url": company.linkedin_url,
    }
    result = await run_op(pool, OP, context)
    assert result.status is OperationStatus.FOUND and result.attempts == []
    assert result.output == _identity(company, confidence="medium", source_provider=None)


async def test_the_configured_order_is_the_order_tried(pool: GatewayPool, world: World) -> None:
    company = _company(world, prospeo=True, companyenrich=True)
    result = await run_op(pool, OP, {"company_domain": company.domain}, order=["companyenrich", "prospeo"])
    assert result.status is OperationStatus.FOUND
    assert result.provider_order_used == ["companyenrich"]
    assert result.output is not None and result.output["source_provider"] == "companyenrich"


@pytest.mark.parametrize(
    "context",
    [
        {"email": "jane.doe@gmail.com"},
        {"company_domain": 12345},
        {"company_linkedin_url": "https://linkedin.com/in/jane"},
    ],
)
async def test_unusable_inputs_fail_without_calls(context: dict[str, Any], pool: GatewayPool) -> None:
    result = await run_op(pool, OP, context)
    assert result.status is OperationStatus.FAILED and result.attempts == []
    assert result.error is not None and result.error["code"] == "operation_failed"


async def test_no_reference_at_all_is_missing_inputs(pool: GatewayPool) -> None:
    result = await run_op(pool, OP, {"job_title": "CEO"})
    assert result.status is OperationStatus.FAILED
    assert result.missing_inputs == [
        "company_domain|company_website|domain|company_name|company_linkedin_url|email|work_email|query|input"
    ]


# -- contract ---------------------------------------------------------------------------------------------


def test_contract_accepts_a_valid_identity_with_every_key() -> None:
    minimal = {"company_domain": "acme.com", "confidence": "medium", "method": "domain"}
    dumped = CompanyIdentityOutput.model_validate(minimal).model_dump()
    assert dumped == {**minimal, "company_name": None, "company_linkedin_url": None, "source_provider": None}


@pytest.mark.parametrize(
    "payload",
    [
        {"company_name": "Acme", "confidence": "high", "method": "lookup"},
        {"company_domain": "acme.com", "confidence": "sure", "method": "domain"},
        {"company_domain": "acme.com", "confidence": "high", "method": "guess"},
        {"company_domain": "acme.com", "confidence": "high", "method": "domain", "industry": "x"},
        {"company_domain": None, "confidence": "high", "method": "domain"},
    ],
)
def test_contract_refuses_an_invalid_identity(payload: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        CompanyIdentityOutput.model_validate(payload)
