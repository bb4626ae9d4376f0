"""person.search against the sandbox: the three routing paths, waterfalls, parameters, dedupe, contract."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pytest
from pydantic import ValidationError

from cluster.gateway import GatewayPool
from operations.contracts.person_search import PersonSearchItem, PersonSearchOutput, SearchPage
from operations.inputs import Inputs
from operations.person.search import Query, dedupe, job_level_for, plan_steps, read_query
from operations.registry import get_operation
from operations.spec import OperationStatus
from providers.base import ProviderResult
from providers.sandbox.world import Company, Person, World
from tests.operations.conftest import run_op

OP = "person.search"


def _pick(
    world: World, test: Callable[[Company, tuple[Person, ...]], bool], offset: int = 21
) -> tuple[Company, tuple[Person, ...]]:
    for domain in world.sample_domains(1500, seed_offset=offset):
        company = world.company(domain)
        if company is not None and test(company, world.people(domain)):
            return company, world.people(domain)
    raise AssertionError("no company in the world fits the test")


def _known(world: World, provider: str, people: tuple[Person, ...]) -> list[Person]:
    return [p for p in people if world.knows(provider, p.person_id)]


def _urls(results: list[dict[str, Any]]) -> set[str]:
    return {r["linkedin_url"] for r in results}


def read_query_for(context: dict[str, Any], params: dict[str, Any] | None = None) -> Query:
    """Read a Query the way the operation does, without running it."""
    return read_query(Inputs(context, params))


async def test_a_company_search_is_answered_by_prospeo_first(pool: GatewayPool, world: World) -> None:
    company, people = _pick(world, lambda c, ppl: 3 <= len(_known(world, "prospeo", ppl)) <= 25)
    result = await run_op(pool, OP, {"company_domain": f"https://{company.domain}/team"})
    assert result.status is OperationStatus.FOUND and result.output is not None
    output = result.output
    expected = _known(world, "prospeo", people)
    assert _urls(output["results"]) == {p.linkedin_url for p in expected}
    assert output["result_count"] == len(expected)
    assert output["provider_order_used"] == ["prospeo"] == result.provider_order_used
    assert set(output["pagination"]) == {"prospeo"} and output["pagination"]["prospeo"]["page"] == 1
    first = next(r for r in output["results"] if r["linkedin_url"] == expected[0].linkedin_url)
    assert first["full_name"] == expected[0].full_name and first["current_title"] == expected[0].title
    assert first["current_company_domain"] == company.domain and first["source_provider"] == "prospeo"
    assert first["raw"]["person"]["linkedin_url"] == expected[0].linkedin_url


async def test_an_unknown_company_is_not_found_after_every_provider(pool: GatewayPool) -> None:
    result = await run_op(pool, OP, {"company_domain": "no-such-company-xq.com"})
    assert result.status is OperationStatus.NOT_FOUND and result.output is None
    assert result.provider_order_used == ["prospeo", "blitzapi", "companyenrich", "leadmagic"]
    assert [(a.provider, a.action) for a in result.attempts] == [
        ("prospeo", "search_person"),
        ("blitzapi", "domain_to_linkedin"),
        ("blitzapi", "employee_finder"),  # skipped: no LinkedIn page was learned
        ("companyenrich", "search_people"),
        ("leadmagic", "employee_finder"),
    ]
    assert result.attempts[2].status == "skipped"


async def test_blitz_answers_when_prospeo_knows_nobody_there(pool: GatewayPool, world: World) -> None:
    company, people = _pick(
        world,
        lambda c, ppl: (
            not _known(world, "prospeo", ppl)
            and world.knows("blitzapi", c.domain)
            and bool(_known(world, "blitzapi", ppl))
        ),
        offset=3,
    )
    result = await run_op(pool, OP, {"company_domain": company.domain})
    assert result.status is OperationStatus.FOUND and result.output is not None
    assert result.output["provider_order_used"] == ["prospeo", "blitzapi"]
    assert _urls(result.output["results"]) == {p.linkedin_url for p in _known(world, "blitzapi", people)}
    # Blitz's employee records name no company; the company searched for is theirs.
    assert {r["current_company_domain"] for r in result.output["results"]} == {company.domain}
    assert set(result.output["pagination"]) == {"blitzapi_employees"}


async def test_a_configured_order_is_followed_and_leadmagic_appended(pool: GatewayPool, world: World) -> None:
    company, _ = _pick(
        world,
        lambda c, ppl: world.knows("companyenrich", c.domain) and bool(_known(world, "companyenrich", ppl)),
    )
    result = await run_op(pool, OP, {"company_domain": company.domain}, order=["companyenrich"])
    assert result.status is OperationStatus.FOUND and result.output is not None
    assert result.output["provider_order_used"] == ["companyenrich"]
    assert {r["source_provider"] for r in result.output["results"]} == {"companyenrich"}
    assert [s.key for s in plan_steps(read_query_for({"company_domain": "a.com"}), ["companyenrich"])] == [
        "companyenrich",
        "leadmagic_employees",
    ]


class RaisingCaller:
    """Raises for one provider, passes every other call through."""

    def __init__(self, inner: GatewayPool, failing: str) -> None:
        self.inner, self.failing = inner, failing

    async def call(self, provider: str, action: str, inputs: Mapping[str, Any]) -> ProviderResult:
        if provider == self.failing:
            raise ConnectionError("the gateway is down")
        return await self.inner.call(provider, action, inputs)


async def test_a_provider_that_raises_is_a_failed_attempt_and_the_next_is_tried(
    pool: GatewayPool, world: World
) -> None:
    company, people = _pick(
        world, lambda c, ppl: world.knows("blitzapi", c.domain) and bool(_known(world, "blitzapi", ppl))
    )
    result = await run_op(RaisingCaller(pool, "prospeo"), OP, {"company_domain": company.domain})
    assert result.status is OperationStatus.FOUND and result.output is not None
    assert result.attempts[0].status == "failed" and result.attempts[0].error_class == "provider_error"
    assert result.output["provider_order_used"] == ["prospeo", "blitzapi"]
    assert _urls(result.output["results"]) == {p.linkedin_url for p in _known(world, "blitzapi", people)}


async def test_max_results_from_the_step_overrides_limit(pool: GatewayPool, world: World) -> None:
    company, _ = _pick(world, lambda c, ppl: len(_known(world, "prospeo", ppl)) >= 10)
    context = {"company_domain": company.domain, "limit": 50, "max_results": 40}
    result = await run_op(pool, OP, context, params={"max_results": 3})
    assert result.output is not None and result.output["result_count"] == 3 == len(result.output["results"])
    by_limit = await run_op(pool, OP, {"company_domain": company.domain, "limit": 4})
    assert by_limit.output is not None and by_limit.output["result_count"] == 4


async def test_a_job_title_asks_leadmagic_role_finder_first(pool: GatewayPool, world: World) -> None:
    def chief_known_to_leadmagic(company: Company, people: tuple[Person, ...]) -> bool:
        return world.knows("leadmagic", company.domain) and any(
            p.seniority == "c_suite" and world.knows("leadmagic", p.person_id) for p in people
        )

    company, people = _pick(world, chief_known_to_leadmagic)
    chief = next(p for p in people if p.seniority == "c_suite" and world.knows("leadmagic", p.person_id))
    result = await run_op(pool, OP, {"company_domain": company.domain, "job_title": chief.title})
    assert result.status is OperationStatus.FOUND and result.output is not None
    assert result.output["provider_order_used"] == ["leadmagic"] and result.output["result_count"] == 1
    found = result.output["results"][0]
    holders = {p.linkedin_url for p in people if chief.title.lower() in p.title.lower()}
    assert found["linkedin_url"] in holders and found["current_company_domain"] == company.domain
    assert result.output["pagination"] == {
        "leadmagic_role": {"page": 1, "page_size": 1, "total_pages": None, "total_items": None}
    }


async def test_a_title_nobody_holds_falls_to_blitz_with_a_derived_level(
    pool: GatewayPool, world: World
) -> None:
    def chiefs(people: tuple[Person, ...]) -> list[Person]:
        return [p for p in _known(world, "blitzapi", people) if p.seniority == "c_suite"]

    company, people = _pick(world, lambda c, ppl: world.knows("blitzapi", c.domain) and bool(chiefs(ppl)))
    context = {"company_domain": company.domain, "job_title": "Chief Wizard Officer"}
    result = await run_op(pool, OP, context)
    assert result.status is OperationStatus.FOUND and result.output is not None
    assert [(a.provider, a.action) for a in result.attempts] == [
        ("leadmagic", "role_finder"),
        ("prospeo", "search_person"),
        ("companyenrich", "search_people"),
        ("blitzapi", "domain_to_linkedin"),
        ("blitzapi", "employee_finder"),
    ]
    assert _urls(result.output["results"]) == {p.linkedin_url for p in chiefs(people)}
    assert result.output["provider_order_used"] == ["leadmagic", "prospeo", "companyenrich", "blitzapi"]


async def test_a_cascade_runs_blitz_waterfall_icp_only(pool: GatewayPool, world: World) -> None:
    def leaders(people: tuple[Person, ...]) -> list[Person]:
        return [p for p in _known(world, "blitzapi", people) if "chief" in p.title.lower()]

    company, people = _pick(world, lambda c, ppl: world.knows("blitzapi", c.domain) and bool(leaders(ppl)))
    cascade = [{"include_title": ["chief"]}, {"include_title": ["vp", "vice president"]}]
    context = {"company_linkedin_url": company.linkedin_url, "cascade": cascade}
    result = await run_op(pool, OP, context, params={"max_results": 2})
    assert result.status is OperationStatus.FOUND and result.output is not None
    assert [(a.provider, a.action) for a in result.attempts] == [("blitzapi", "waterfall_icp")]
    assert 1 <= result.output["result_count"] <= 2
    first = result.output["results"][0]
    assert first["linkedin_url"] == leaders(people)[0].linkedin_url and first["raw"]["icp"] == 1


async def test_a_cascade_without_a_company_page_is_skipped_not_failed(pool: GatewayPool) -> None:
    context = {"company_name": "Someone Inc", "cascade": [{"include_title": ["ceo"]}]}
    result = await run_op(pool, OP, context)
    assert result.status is OperationStatus.SKIPPED and result.output is None and result.error is None
    assert [(a.provider, a.status, a.skip_reason) for a in result.attempts] == [
        ("blitzapi", "skipped", "missing_required_inputs")
    ]


async def test_prospeo_filters_merge_under_the_computed_ones(pool: GatewayPool, world: World) -> None:
    def countries(people: tuple[Person, ...]) -> set[str]:
        return {p.country_code for p in _known(world, "prospeo", people)}

    company, people = _pick(world, lambda c, ppl: len(ppl) <= 25 and {"US", "DE"} <= countries(ppl))
    filters = {"prospeo": {"person_location_search": {"include": ["US"]}}}
    result = await run_op(pool, OP, {"company_domain": company.domain, "provider_filters": filters})
    assert result.output is not None
    americans = {p.linkedin_url for p in _known(world, "prospeo", people) if p.country_code == "US"}
    assert _urls(result.output["results"]) == americans
    assert {r["country_code"] for r in result.output["results"]} == {"US"}
    # The computed location wins over the caller's own filter.
    located = await run_op(
        pool, OP, {"company_domain": company.domain, "provider_filters": filters, "location": "DE"}
    )
    assert located.output is not None
    assert {r["country_code"] for r in located.output["results"]} == {"DE"}


async def test_blitz_gets_the_two_letter_locations_as_country_codes(pool: GatewayPool, world: World) -> None:
    def countries(people: tuple[Person, ...]) -> set[str]:
        return {p.country_code for p in _known(world, "blitzapi", people)}

    company, people = _pick(
        world,
        lambda c, ppl: (
            world.knows("blitzapi", c.domain) and "US" in countries(ppl) and len(countries(ppl)) > 1
        ),
    )
    context = {"company_linkedin_url": company.linkedin_url, "location": ["us", "Berlin"]}
    result = await run_op(pool, OP, context, order=["blitzapi"])
    assert result.output is not None and result.output["provider_order_used"] == ["blitzapi"]
    expected = [p for p in _known(world, "blitzapi", people) if p.country_code == "US"]
    assert _urls(result.output["results"]) == {p.linkedin_url for p in expected[:100]}


async def test_unusable_inputs_fail_without_calling_anyone(pool: GatewayPool) -> None:
    result = await run_op(pool, OP, {"company_domain": 12345, "job_title": "   "})
    assert result.status is OperationStatus.FAILED and result.attempts == []
    assert result.error is not None and result.error["code"] == "operation_failed"
    missing = await run_op(pool, OP, {"unrelated": 1})
    assert missing.missing_inputs == [
        "query|company_domain|company_website|company_name|company_linkedin_url|job_title|job_level"
        "|job_function|location|cascade|provider_filters"
    ]


@pytest.mark.parametrize(
    ("title", "level"),
    [
        ("Chief Revenue Officer", "C-Team"),
        ("Co-Founder & CEO", "C-Team"),
        ("President", "C-Team"),
        ("Vice President of Sales", "VP"),
        ("SVP Engineering", "VP"),
        ("Head of Growth", "Director"),
        ("Director, Finance", "Director"),
        ("Account Executive", "Manager"),
    ],
)
def test_job_level_is_derived_from_the_title(title: str, level: str) -> None:
    assert job_level_for(title) == level


def test_routing_follows_the_inputs() -> None:
    order = ["prospeo", "blitzapi", "companyenrich"]
    assert [s.key for s in plan_steps(read_query_for({"company_domain": "a.com"}), order)] == [
        "prospeo",
        "blitzapi_employees",
        "companyenrich",
        "leadmagic_employees",
    ]
    titled = read_query_for({"company_domain": "a.com", "job_title": "CTO"})
    assert [s.key for s in plan_steps(titled, ["companyenrich", "blitzapi", "prospeo"])] == [
        "leadmagic_role",
        "companyenrich",
        "prospeo",
        "blitzapi_employees",
    ]
    cascaded = read_query_for({"company_domain": "a.com", "cascade": [{"include_title": ["ceo"]}]})
    assert [s.key for s in plan_steps(cascaded, order)] == ["blitzapi_icp"]


def test_garbage_in_cascade_and_filters_is_dropped_and_limits_are_clamped() -> None:
    context = {
        "cascade": [{"include_title": [" ceo ", "", None, {"x": object()}]}, "junk"],
        "provider_filters": {"prospeo": {"person_seniority": {"include": ["VP", "  "]}}, "blitzapi": "x"},
        "limit": 10_000,
    }
    query = read_query_for(context, {"max_results": "many"})
    assert query.cascade == [{"include_title": ["ceo"]}]
    assert query.provider_filters == {"prospeo": {"person_seniority": {"include": ["VP"]}}}
    assert query.max_results == 500 and read_query_for({}, {"max_results": 0}).max_results == 1


def test_dedupe_keeps_the_first_record_per_person_and_never_merges_nameless_ones() -> None:
    items = [
        {"linkedin_url": "https://www.linkedin.com/in/jane-1", "full_name": "Jane"},
        {"linkedin_url": "linkedin.com/in/Jane-1/", "full_name": "Jane D."},
        {"linkedin_url": None, "source_person_id": "42", "full_name": "Bo"},
        {"linkedin_url": None, "source_person_id": "42", "full_name": "Bo B."},
        {
            "linkedin_url": None,
            "source_person_id": None,
            "full_name": "Al",
            "current_company_domain": "a.com",
        },
        {
            "linkedin_url": None,
            "source_person_id": None,
            "full_name": "al",
            "current_company_domain": "A.com",
        },
        {
            "linkedin_url": None,
            "source_person_id": None,
            "full_name": "Al",
            "current_company_domain": "b.com",
        },
        {"linkedin_url": None, "source_person_id": None, "full_name": None},
        {"linkedin_url": None, "source_person_id": None, "full_name": None},
    ]
    kept = dedupe(items)
    assert [i["full_name"] for i in kept] == ["Jane", "Bo", "Al", "Al", None, None]


def test_fan_out_children_get_canonical_person_inputs() -> None:
    spec = get_operation(OP)
    assert spec is not None and spec.fan_out is not None
    assert spec.fan_out.field == "results" and spec.fan_out.entity_type == "person"
    item = {
        "full_name": "Jane Doe",
        "linkedin_url": "https://www.linkedin.com/in/jane",
        "current_title": "CTO",
        "current_company_domain": "acme.com",
        "current_company_name": "Acme",
        "source_provider": "prospeo",
    }
    child = spec.fan_out.child_input(item)
    assert child["company_domain"] == "acme.com" and child["company_name"] == "Acme"
    assert child["title"] == "CTO" and child["linkedin_url"] == item["linkedin_url"]


def _item(**changes: Any) -> dict[str, Any]:
    return {"full_name": "Jane Doe", "source_provider": "prospeo", "raw": {"id": 1}, **changes}


def test_search_output_contract_accepts_a_result_and_refuses_a_malformed_one() -> None:
    valid = {
        "results": [_item()],
        "result_count": 1,
        "provider_order_used": ["prospeo"],
        "pagination": {"prospeo": {"page": 1, "page_size": 25, "total_pages": 1, "total_items": 1}},
    }
    dumped = PersonSearchOutput.model_validate(valid).model_dump()
    assert dumped["results"][0]["linkedin_url"] is None and dumped["results"][0]["raw"] == {"id": 1}
    for broken in (
        {**valid, "results": [_item(source_provider=None)]},
        {**valid, "results": [_item(raw=None)]},
        {**valid, "results": [_item(email="x@y.z")]},
        {**valid, "pagination": {"prospeo": {"page": "first"}}},
        {k: v for k, v in valid.items() if k != "provider_order_used"},
    ):
        with pytest.raises(ValidationError):
            PersonSearchOutput.model_validate(broken)


def test_item_and_page_models_refuse_unknown_keys() -> None:
    assert PersonSearchItem.model_validate(_item()).full_name == "Jane Doe"
    assert SearchPage.model_validate({}).page is None
    with pytest.raises(ValidationError):
        PersonSearchItem.model_validate(_item(unknown=1))
    with pytest.raises(ValidationError):
        SearchPage.model_validate({"cursor": "x"})
