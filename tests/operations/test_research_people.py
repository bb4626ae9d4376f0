"""Champions, testimonials and alumni (RevenueInfra) against the sandbox, and their contracts."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from cluster.gateway import GatewayPool
from operations.contracts.research import AlumniOutput, ChampionsOutput, ChampionTestimonialsOutput
from operations.registry import get_operation
from providers.sandbox.world import World
from tests.operations.conftest import run_op


def _domain_with(world: World, *, champions: int = 0, alumni: int = 0) -> str:
    for domain in world.sample_domains(400, seed_offset=22):
        if (
            world.knows("revenueinfra", domain)
            and len(world.champions(domain)) >= champions
            and len(world.alumni(domain, limit=100)) >= alumni
        ):
            return domain
    raise AssertionError("no such company in the sample")


async def test_champions_are_the_worlds_case_study_people(pool: GatewayPool, world: World) -> None:
    domain = _domain_with(world, champions=2)
    result = await run_op(pool, "company.research.lookup_champions", {"company_domain": domain})
    assert result.status == "found" and result.provider_order_used == ["revenueinfra"]
    output = result.output or {}
    expected = world.champions(domain)
    assert [(c["full_name"], c["job_title"], c["company_domain"]) for c in output["champions"]] == [
        (c.full_name, c.job_title, c.company_domain) for c in expected
    ]
    assert output["champion_count"] == len(expected) and output["source_provider"] == "revenueinfra"
    assert "testimonial" not in output["champions"][0]


async def test_testimonials_add_the_quote_and_fan_out_as_people(pool: GatewayPool, world: World) -> None:
    domain = _domain_with(world, champions=2)
    result = await run_op(pool, "company.research.lookup_champion_testimonials", {"company_domain": domain})
    output = result.output or {}
    expected = world.champions(domain)
    assert result.status == "found"
    assert [c["testimonial"] for c in output["champions"]] == [c.testimonial for c in expected]
    spec = get_operation("company.research.lookup_champion_testimonials")
    assert spec is not None and spec.fan_out is not None and spec.fan_out.entity_type == "person"
    child = spec.fan_out.child_input(output["champions"][0])
    assert child["full_name"] == expected[0].full_name and child["title"] == expected[0].job_title
    assert child["company_domain"] == expected[0].company_domain and "job_title" not in child


async def test_alumni_fan_out_to_where_they_work_now(pool: GatewayPool, world: World) -> None:
    domain = _domain_with(world, alumni=3)
    result = await run_op(pool, "company.research.lookup_alumni", {"company_domain": domain})
    output = result.output or {}
    expected = world.alumni(domain, limit=100)
    assert result.status == "found"
    assert [a["full_name"] for a in output["alumni"]] == [p.full_name for p in expected]
    assert output["alumni_count"] == len(expected)
    assert {a["past_company_domain"] for a in output["alumni"]} == {domain}
    spec = get_operation("company.research.lookup_alumni")
    assert spec is not None and spec.fan_out is not None and spec.fan_out.entity_type == "person"
    child = spec.fan_out.child_input(output["alumni"][0])
    now = expected[0].work_history[0]
    assert child["company_domain"] == now.company_domain and child["company_name"] == now.company_name
    assert child["title"] == now.title and child["linkedin_url"] == expected[0].linkedin_url


async def test_max_results_caps_the_alumni(pool: GatewayPool, world: World) -> None:
    domain = _domain_with(world, alumni=5)
    result = await run_op(
        pool, "company.research.lookup_alumni", {"company_domain": domain}, params={"max_results": "2"}
    )
    output = result.output or {}
    assert result.status == "found" and len(output["alumni"]) == 2 and output["alumni_count"] == 2


async def test_an_unknown_company_has_no_champions(pool: GatewayPool, world: World) -> None:
    domain = next(d for d in world.sample_domains(50, seed_offset=22) if not world.knows("revenueinfra", d))
    result = await run_op(pool, "company.research.lookup_champions", {"company_domain": domain})
    assert result.status == "not_found" and result.output is None
    result = await run_op(
        pool, "company.research.lookup_alumni", {"company_domain": "nowhere-at-all.example"}
    )
    assert result.status == "not_found"


def test_people_contracts() -> None:
    champion = {
        "full_name": "Ada Lovelace",
        "job_title": "VP Engineering",
        "company_name": "Acme",
        "company_domain": "acme.com",
        "company_linkedin_url": None,
        "case_study_url": "https://vendor.com/customers/acme",
    }
    ChampionsOutput.model_validate({"champions": [champion], "champion_count": 1, "source_provider": "ri"})
    with pytest.raises(ValidationError):  # a testimonial is not part of the plain champions list
        ChampionsOutput.model_validate(
            {"champions": [{**champion, "testimonial": "x"}], "champion_count": 1, "source_provider": "ri"}
        )
    ChampionTestimonialsOutput.model_validate(
        {"champions": [{**champion, "testimonial": "Great"}], "champion_count": 1, "source_provider": "ri"}
    )
    with pytest.raises(ValidationError):
        ChampionTestimonialsOutput.model_validate(
            {"champions": None, "champion_count": 0, "source_provider": "ri"}
        )
    AlumniOutput.model_validate(
        {
            "alumni": [{"full_name": "B", "current_company_domain": "b.com"}],
            "alumni_count": 1,
            "source_provider": "ri",
        }
    )
    with pytest.raises(ValidationError):
        AlumniOutput.model_validate({"alumni": [], "alumni_count": "none", "source_provider": "ri"})
