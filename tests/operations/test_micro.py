"""Micro-operations: the table and its runner offline, then representative runs against the sandbox."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import pytest
from pydantic import ValidationError

from cluster.gateway import GatewayPool
from operations.contracts.base import Contract
from operations.contracts.micro import (
    CompanyDescriptionOutput,
    CompanyDomainOutput,
    CompanyEmployeeRangeOutput,
    CompanyHqLocationOutput,
    CompanyLinkedinUrlOutput,
    CompanyNameOutput,
    PersonEmailAndLinkedinOutput,
    PersonLinkedinUrlOutput,
    PersonLocationOutput,
    PersonWorkEmailOutput,
)
from operations.inputs import Inputs
from operations.micro.catalogue import MICRO_OPS
from operations.micro.runner import ALIASES, MicroOp, Variant, read_values, weakest
from operations.registry import all_operations
from operations.spec import OperationStatus
from providers.base import Outcome, PolledAction, ProviderResult
from providers.execute import execute
from providers.sandbox.world import Company, Person, World
from tests.operations.conftest import run_op

OPS = {op.id: op for op in MICRO_OPS}
# A messy but usable value for every task input, and what the task must receive for it.
MESSY = {
    "full_name": ("  Dana   Reyes ", "Dana Reyes"),
    "company_name": (" Tidewater Labs ", "Tidewater Labs"),
    "company_domain": ("https://WWW.Tidewater.io/about?x=1", "tidewater.io"),
    "company_linkedin_url": ("linkedin.com/company/Tidewater/", "https://www.linkedin.com/company/tidewater"),
    "linkedin_url": (
        "http://linkedin.com/in/Dana-Reyes-1a2b/",
        "https://www.linkedin.com/in/dana-reyes-1a2b",
    ),
}
# What a Parallel task may answer for each output field, and what the operation must output for it.
ANSWERS: dict[str, tuple[Any, Any]] = {
    "company_linkedin_url": (
        "https://linkedin.com/company/Tidewater",
        "https://www.linkedin.com/company/tidewater",
    ),
    "company_name": (" Tidewater Labs ", "Tidewater Labs"),
    "company_domain": ("https://www.tidewater.io/", "tidewater.io"),
    "description": ("Tidewater builds\n tide models.", "Tidewater builds tide models."),
    "hq_location": ("Halifax, NS, CA", "Halifax, NS, CA"),
    "employee_range": (120, "120"),
    "linkedin_url": (
        "https://www.linkedin.com/in/dana-reyes-1a2b",
        "https://www.linkedin.com/in/dana-reyes-1a2b",
    ),
    "work_email": ("Dana.Reyes@Tidewater.io", "dana.reyes@tidewater.io"),
    "email": ("dana.reyes@tidewater.io", "dana.reyes@tidewater.io"),
    "location": ("Halifax, CA", "Halifax, CA"),
}
GARBAGE = {
    "company_linkedin_url": "https://tidewater.io",
    "company_name": 42,
    "company_domain": "not a domain",
    "description": ["a", "list"],
    "hq_location": {"city": "Halifax"},
    "employee_range": True,
    "linkedin_url": "https://www.linkedin.com/company/tidewater",
    "work_email": "dana at tidewater",
    "email": "nobody",
    "location": None,
}


class FakeParallel:
    """Answers every task run with canned data, recording what the operation asked."""

    def __init__(self, data: Mapping[str, Any] | None, outcome: Outcome = Outcome.FOUND) -> None:
        self.data, self.outcome = data, outcome
        self.calls: list[tuple[str, str, dict[str, Any]]] = []

    async def call(self, provider: str, action: str, inputs: Mapping[str, Any]) -> ProviderResult:
        self.calls.append((provider, action, dict(inputs)))
        return ProviderResult(provider=provider, action=action, outcome=self.outcome, data=self.data)


async def _no_wait(seconds: float) -> None:
    await asyncio.sleep(0)


class QuickPolls:
    """The sandbox through the pool's gateways, but polled jobs skip the real poll interval.

    The sandbox counts polls, not seconds, so answers are the same; only the waiting is gone.
    """

    def __init__(self, pool: GatewayPool) -> None:
        self.pool = pool

    async def call(self, provider: str, action: str, inputs: Mapping[str, Any]) -> ProviderResult:
        gateway = self.pool.gateway(provider)
        spec = gateway.provider.actions.get(action)
        if not isinstance(spec, PolledAction):
            return await self.pool.call(provider, action, inputs)
        return await execute(spec, inputs, endpoint=gateway.endpoint, client=gateway.client, sleep=_no_wait)


def _variants() -> list[tuple[MicroOp, Variant]]:
    return [(op, v) for op in MICRO_OPS for v in op.variants]


def _context(variant: Variant) -> dict[str, Any]:
    return {ALIASES[key][0]: MESSY[key][0] for key in variant.inputs}


# -- the table --------------------------------------------------------------------------------------------


def test_the_nineteen_endpoints_are_all_registered() -> None:
    registered = all_operations()
    endpoints = [
        variant["endpoint"]
        for op in MICRO_OPS
        for variant in registered[op.id].extra["variants"]
        if variant["endpoint"]
    ]
    assert len(endpoints) == len(set(endpoints)) == 19
    assert sum(e.startswith("/company/") for e in endpoints) == 11
    assert sum(e.startswith("/person/") for e in endpoints) == 8
    assert {op.id for op in MICRO_OPS} <= set(registered)
    assert all(registered[op.id].providers == ("parallel",) for op in MICRO_OPS)


@pytest.mark.parametrize(("op", "variant"), _variants(), ids=lambda x: getattr(x, "id", None) or x.label)
def test_each_variant_meets_the_requirements_and_is_the_one_picked(op: MicroOp, variant: Variant) -> None:
    context = _context(variant)
    for group in op.requires():
        assert any(name in context for name in group.names), f"{variant.label} misses {group.label}"
    assert op.pick(read_values(Inputs(context), list(ALIASES))) == variant


@pytest.mark.parametrize(("op", "variant"), _variants(), ids=lambda x: getattr(x, "id", None) or x.label)
async def test_the_task_gets_the_variants_clean_inputs_and_its_answer_becomes_the_output(
    op: MicroOp, variant: Variant
) -> None:
    caller = FakeParallel(
        {
            **{f.name: ANSWERS[f.name][0] for f in op.fields},
            "confidence": {f.name: c for f, c in zip(op.fields, ("high", "medium"), strict=False)},
        }
    )
    result = await run_op(caller, op.id, {**_context(variant), "unrelated": {"x": 1}})
    assert result.status is OperationStatus.FOUND, result.error
    [(provider, action, inputs)] = caller.calls
    assert (provider, action) == ("parallel", "task_run")
    assert inputs["task_input"] == {key: MESSY[key][1] for key in variant.inputs}
    assert inputs["processor"] == variant.processor
    assert set(inputs["output_fields"]) == {f.name for f in op.fields}
    assert result.output == {
        **{f.name: ANSWERS[f.name][1] for f in op.fields},
        "confidence": "medium" if len(op.fields) > 1 else "high",
        "source_provider": "parallel",
    }


@pytest.mark.parametrize("op", MICRO_OPS, ids=lambda op: op.id)
async def test_an_unusable_answer_is_not_found_not_a_contract_failure(op: MicroOp) -> None:
    caller = FakeParallel({**{f.name: GARBAGE[f.name] for f in op.fields}, "confidence": {}})
    result = await run_op(caller, op.id, _context(op.variants[0]))
    assert result.status is OperationStatus.NOT_FOUND and result.output is None
    assert [a.status for a in result.attempts] == ["found"]


@pytest.mark.parametrize("op", MICRO_OPS, ids=lambda op: op.id)
async def test_missing_or_unusable_inputs_call_no_one(op: MicroOp) -> None:
    caller = FakeParallel(None)
    missing = await run_op(caller, op.id, {"company_size": 12})
    assert missing.status is OperationStatus.FAILED and missing.missing_inputs
    assert missing.missing_inputs == [n.label for n in op.requires()]
    garbage = {name: 12345 for n in op.requires() for name in n.names}
    unusable = await run_op(caller, op.id, garbage)
    assert unusable.status is OperationStatus.FAILED and unusable.error is not None
    assert unusable.error["code"] == "operation_failed" and not caller.calls


async def test_a_provider_miss_or_failure_is_the_operations_status() -> None:
    context = _context(OPS["company.resolve.name"].variants[0])
    missed = await run_op(FakeParallel(None, Outcome.NOT_FOUND), "company.resolve.name", context)
    failed = await run_op(FakeParallel(None, Outcome.FAILED), "company.resolve.name", context)
    skipped = await run_op(FakeParallel(None, Outcome.SKIPPED), "company.resolve.name", context)
    assert (missed.status, failed.status, skipped.status) == (
        OperationStatus.NOT_FOUND,
        OperationStatus.FAILED,
        OperationStatus.SKIPPED,
    )


@pytest.mark.parametrize(
    ("params", "context", "expected"),
    [
        ({"processor": "core"}, {}, "core"),
        ({"processor": " PRO "}, {"processor": "lite"}, "pro"),
        ({}, {"processor": "ultra"}, "ultra"),
        ({"processor": "turbo"}, {}, "lite"),
        ({"processor": {"name": "core"}}, {}, "lite"),
    ],
)
async def test_the_processor_parameter_reaches_the_task(
    params: dict[str, Any], context: dict[str, Any], expected: str
) -> None:
    caller = FakeParallel({"company_name": "Tidewater Labs", "confidence": {}})
    base = {"company_domain": "tidewater.io"}
    result = await run_op(caller, "company.resolve.name", {**base, **context}, params=params)
    assert result.status is OperationStatus.FOUND
    assert caller.calls[0][2]["processor"] == expected


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        (["high", "low", "medium"], "low"),
        ([" High ", None], "high"),
        (["certain", "medium"], "medium"),
        (["certain"], "certain"),
        ([None, 3], None),
        ([], None),
    ],
)
def test_weakest_confidence(words: list[Any], expected: str | None) -> None:
    assert weakest(words) == expected


# -- contracts --------------------------------------------------------------------------------------------

VALID: list[tuple[type[Contract], dict[str, Any]]] = [
    (CompanyLinkedinUrlOutput, {"company_linkedin_url": "https://www.linkedin.com/company/x"}),
    (CompanyNameOutput, {"company_name": "X"}),
    (CompanyDomainOutput, {"company_domain": "x.io"}),
    (CompanyDescriptionOutput, {"description": "X makes y."}),
    (CompanyHqLocationOutput, {"hq_location": "Halifax, NS, CA"}),
    (CompanyEmployeeRangeOutput, {"employee_range": "51-200"}),
    (PersonLinkedinUrlOutput, {"linkedin_url": "https://www.linkedin.com/in/x"}),
    (PersonWorkEmailOutput, {"work_email": "a@x.io"}),
    (PersonEmailAndLinkedinOutput, {"email": "a@x.io", "linkedin_url": None}),
    (PersonLocationOutput, {"location": "Halifax, CA"}),
]


@pytest.mark.parametrize(("model", "fields"), VALID, ids=lambda x: getattr(x, "__name__", None))
def test_contract_accepts_a_valid_output_with_every_key(
    model: type[Contract], fields: dict[str, Any]
) -> None:
    dumped = model.model_validate(
        {**fields, "source_provider": "parallel", "confidence": "high"}
    ).model_dump()
    assert set(dumped) == set(model.model_fields)
    assert model.model_validate({**fields, "source_provider": "parallel"}).model_dump()["confidence"] is None


@pytest.mark.parametrize(("model", "fields"), VALID, ids=lambda x: getattr(x, "__name__", None))
def test_contract_refuses_an_invalid_output(model: type[Contract], fields: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        model.model_validate(fields)  # no source_provider
    with pytest.raises(ValidationError):
        model.model_validate({**fields, "source_provider": "parallel", "confidence": ["high"]})
    with pytest.raises(ValidationError):
        model.model_validate({**fields, "source_provider": "parallel", "raw": {}})
    required = [k for k in fields if model.model_fields[k].is_required()]
    for key in required:
        with pytest.raises(ValidationError):
            model.model_validate({**fields, key: {"value": "x"}, "source_provider": "parallel"})


# -- against the sandbox ----------------------------------------------------------------------------------


def _company(world: World, known: bool = True) -> Company:
    for domain in world.sample_domains(200, seed_offset=5):
        company = world.company(domain)
        if company is not None and world.knows("parallel", domain) is known:
            return company
    raise AssertionError("no such company")


def _person(world: World) -> Person:
    """A person Parallel knows and whose email it guesses right."""
    for domain in world.sample_domains(200, seed_offset=6):
        for person in world.people(domain):
            if world.email_guess("parallel", person) == person.work_email:
                return person
    raise AssertionError("no such person")


def _hits(world: World) -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    """For every micro-operation, a context it should find something for and the fields it should find."""
    c, p = _company(world), _person(world)
    employer = world.company(p.company_domain)
    assert employer is not None
    hq = ", ".join(x for x in (c.hq_city, c.hq_state, c.hq_country_code) if x)
    hits = [
        (
            "company.resolve.linkedin_url",
            {"company_website": c.website + "/"},
            {"company_linkedin_url": c.linkedin_url},
        ),
        ("company.resolve.name", {"company_linkedin_url": c.linkedin_url}, {"company_name": c.name}),
        ("company.resolve.domain", {"company_linkedin_url": c.linkedin_url}, {"company_domain": c.domain}),
        (
            "company.resolve.description",
            {"company_domain": c.domain, "company_name": c.name},
            {"description": c.description},
        ),
        ("company.resolve.hq_location", {"company_domain": f"WWW.{c.domain.upper()}"}, {"hq_location": hq}),
        (
            "company.resolve.employee_range",
            {"company_domain": c.domain, "company_name": c.name, "company_linkedin_url": c.linkedin_url},
            {"employee_range": c.employee_range},
        ),
        (
            "person.resolve.linkedin_url",
            {"full_name": p.full_name, "company_name": employer.name, "company_domain": p.company_domain},
            {"linkedin_url": p.linkedin_url},
        ),
        ("person.resolve.work_email", {"linkedin_url": p.linkedin_url}, {"work_email": p.work_email}),
        (
            "person.resolve.email_and_linkedin",
            {"first_name": p.first_name, "last_name": p.last_name, "company_name": employer.name},
            {"email": p.work_email, "linkedin_url": p.linkedin_url},
        ),
        (
            "person.resolve.location",
            {"full_name": p.full_name, "linkedin_url": p.linkedin_url},
            {"location": f"{p.city}, {p.country_code}"},
        ),
    ]
    return {operation_id: (context, expected) for operation_id, context, expected in hits}


@pytest.mark.parametrize("operation_id", sorted(OPS))
async def test_every_micro_operation_finds_the_worlds_fact(
    operation_id: str, pool: GatewayPool, world: World
) -> None:
    context, expected = _hits(world)[operation_id]
    result = await run_op(QuickPolls(pool), operation_id, context)
    assert result.status is OperationStatus.FOUND, result.error
    assert result.output == {
        **expected,
        "confidence": result.output["confidence"],
        "source_provider": "parallel",
    }
    assert result.output["confidence"] in ("high", "medium")
    assert result.provider_order_used == ["parallel"]


async def test_a_company_parallel_does_not_know_is_not_found(pool: GatewayPool, world: World) -> None:
    stranger = _company(world, known=False)
    result = await run_op(
        QuickPolls(pool), "company.resolve.linkedin_url", {"company_domain": stranger.domain}
    )
    assert result.status is OperationStatus.NOT_FOUND and result.output is None
    assert [(a.provider, a.status) for a in result.attempts] == [("parallel", "not_found")]


async def test_the_processor_step_parameter_sets_the_price(pool: GatewayPool, world: World) -> None:
    company = _company(world)
    context = {"company_domain": company.domain}
    lite = await run_op(
        QuickPolls(pool), "company.resolve.linkedin_url", context, params={"processor": "lite"}
    )
    default = await run_op(QuickPolls(pool), "company.resolve.linkedin_url", context)
    assert lite.status is default.status is OperationStatus.FOUND
    assert (lite.cost_usd, default.cost_usd) == (0.005, 0.01)


async def test_a_run_with_the_real_poll_interval(pool: GatewayPool, world: World) -> None:
    company = _company(world)
    result = await run_op(pool, "company.resolve.name", {"company_domain": company.domain})
    assert result.status is OperationStatus.FOUND and result.output is not None
    assert result.output["company_name"] == company.name
