"""person.enrich.profile against the sandbox: Prospeo first, AmpleLeads only on request, then LeadMagic."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pydantic import ValidationError

from cluster.gateway import GatewayPool
from operations.contracts.person_enrich import PersonProfileOutput, WorkHistoryEntry
from operations.spec import OperationStatus
from providers.sandbox.world import Person, World
from tests.operations.conftest import run_op

OP = "person.enrich.profile"


def _person(world: World, test: Callable[[Person], bool]) -> Person:
    for domain in world.sample_domains(400, seed_offset=31):
        for person in world.people(domain)[:20]:
            if test(person):
                return person
    raise AssertionError("no person in the world fits the test")


def _steps(result: Any) -> list[tuple[str, str]]:
    return [(a.provider, a.status) for a in result.attempts]


async def test_prospeo_enriches_a_linkedin_profile(pool: GatewayPool, world: World) -> None:
    person = _person(world, lambda p: world.knows("prospeo", p.person_id) and len(p.work_history) > 1)
    result = await run_op(pool, OP, {"linkedin_url": person.linkedin_url.upper() + "/"})
    assert result.status is OperationStatus.FOUND and result.output is not None
    profile = result.output
    assert profile["source_provider"] == "prospeo" and _steps(result) == [("prospeo", "found")]
    assert profile["full_name"] == person.full_name and profile["current_title"] == person.title
    assert profile["linkedin_url"] == person.linkedin_url
    assert profile["current_company_domain"] == person.company_domain
    assert [job["title"] for job in profile["work_history"]] == [job.title for job in person.work_history]
    assert profile["email"] == world.email_guess("prospeo", person)
    assert profile["skills"] == list(person.skills)
    assert set(profile) == set(PersonProfileOutput.model_fields)


async def test_prospeo_finds_a_person_by_name_and_company(pool: GatewayPool, world: World) -> None:
    person = _person(world, lambda p: world.knows("prospeo", p.person_id))
    context = {
        "first_name": person.first_name,
        "last_name": person.last_name,
        "company_domain": person.company_domain,
    }
    result = await run_op(pool, OP, context)
    assert result.status is OperationStatus.FOUND and result.output is not None
    assert result.output["linkedin_url"] == person.linkedin_url


async def test_leadmagic_answers_when_prospeo_does_not_know_the_person(
    pool: GatewayPool, world: World
) -> None:
    person = _person(
        world,
        lambda p: (
            not world.knows("prospeo", p.person_id)
            and world.knows("ampleleads", p.person_id)
            and world.knows("leadmagic", p.person_id)
        ),
    )
    result = await run_op(pool, OP, {"linkedin_url": person.linkedin_url})
    assert result.status is OperationStatus.FOUND and result.output is not None
    # Without include_work_history, AmpleLeads is never asked, even though it knows this person.
    assert _steps(result) == [("prospeo", "not_found"), ("leadmagic", "found")]
    assert result.output["source_provider"] == "leadmagic"
    assert result.output["full_name"] == person.full_name and result.output["bio"]
    assert result.output["seniority"] is None and result.output["email"] is None


async def test_include_work_history_from_the_step_brings_in_ampleleads(
    pool: GatewayPool, world: World
) -> None:
    person = _person(
        world, lambda p: not world.knows("prospeo", p.person_id) and world.knows("ampleleads", p.person_id)
    )
    context = {"linkedin_url": person.linkedin_url, "include_work_history": False}
    result = await run_op(pool, OP, context, params={"include_work_history": True})
    assert result.status is OperationStatus.FOUND and result.output is not None
    assert _steps(result) == [("prospeo", "not_found"), ("ampleleads", "found")]
    profile = result.output
    assert profile["source_provider"] == "ampleleads"
    assert [job["company_name"] for job in profile["work_history"]] == [
        job.company_name for job in person.work_history
    ]
    assert [school["school"] for school in profile["education"]] == [s.name for s in person.education]
    assert profile["people_also_viewed"] and profile["connections_count"] == person.connections_count


async def test_a_step_parameter_can_turn_work_history_off(pool: GatewayPool, world: World) -> None:
    person = _person(
        world,
        lambda p: (
            not world.knows("prospeo", p.person_id)
            and world.knows("ampleleads", p.person_id)
            and not world.knows("leadmagic", p.person_id)
        ),
    )
    context = {"linkedin_url": person.linkedin_url, "include_work_history": True}
    result = await run_op(pool, OP, context, params={"include_work_history": "false"})
    assert result.status is OperationStatus.NOT_FOUND and result.output is None
    assert [a.provider for a in result.attempts] == ["prospeo", "leadmagic"]


async def test_a_person_nobody_knows_is_not_found_after_every_provider(
    pool: GatewayPool, world: World
) -> None:
    person = _person(
        world,
        lambda p: not any(world.knows(name, p.person_id) for name in ("prospeo", "ampleleads", "leadmagic")),
    )
    result = await run_op(
        pool, OP, {"linkedin_url": person.linkedin_url}, params={"include_work_history": True}
    )
    assert result.status is OperationStatus.NOT_FOUND and result.output is None
    assert _steps(result) == [
        ("prospeo", "not_found"),
        ("ampleleads", "not_found"),
        ("leadmagic", "not_found"),
    ]


async def test_without_any_identifier_every_provider_is_skipped(pool: GatewayPool) -> None:
    result = await run_op(pool, OP, {"company_domain": "acme.com", "linkedin_url": "not a url"})
    assert result.status is OperationStatus.SKIPPED and result.output is None and result.error is None
    assert {a.status for a in result.attempts} == {"skipped"}


def test_profile_contract_accepts_a_profile_and_refuses_a_malformed_one() -> None:
    valid = {
        "full_name": "Jane Doe",
        "work_history": [
            {"title": "CTO", "company_name": "Acme", "start_date": "2020-01", "is_current": True}
        ],
        "education": [{"school": "MIT"}],
        "certifications": ["AWS Solutions Architect"],
        "skills": ["Python"],
        "connections_count": 500,
        "source_provider": "prospeo",
    }
    dumped = PersonProfileOutput.model_validate(valid).model_dump()
    assert dumped["email"] is None and dumped["work_history"][0]["end_date"] is None
    for broken in (
        {k: v for k, v in valid.items() if k != "source_provider"},
        {**valid, "skills": "Python"},
        {**valid, "connections_count": "many"},
        {**valid, "work_history": [{"title": "CTO", "salary": 1}]},
        {**valid, "source_person_id": "x"},
    ):
        with pytest.raises(ValidationError):
            PersonProfileOutput.model_validate(broken)


def test_work_history_entry_refuses_unknown_keys() -> None:
    assert WorkHistoryEntry.model_validate({"title": "CTO"}).is_current is None
    with pytest.raises(ValidationError):
        WorkHistoryEntry.model_validate({"title": "CTO", "employer": "Acme"})
