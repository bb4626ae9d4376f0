"""Static blueprint validation: operations exist, inputs are producible, conditions and fan-outs are sound."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from blueprints.schema import BlueprintStep
from blueprints.validation import validate_steps
from operations.contracts.base import Contract
from operations.runtime import OperationRun, Outcome
from operations.spec import FanOut, OperationSpec, need


class Profile(Contract):
    company_name: str | None = None
    company_linkedin_url: str | None = None


class Person(Contract):
    full_name: str | None = None
    linkedin_url: str | None = None
    current_company_domain: str | None = None


class People(Contract):
    results: list[Person]


class Email(Contract):
    email: str | None = None


async def _never(run: OperationRun) -> Outcome:
    raise AssertionError("static validation runs nothing")


def _spec(
    op_id: str, output: type[Contract], *needs: tuple[str, ...], fan_out: FanOut | None = None
) -> OperationSpec:
    return OperationSpec(
        id=op_id,
        description="",
        output=output,
        run=_never,
        requires=tuple(need(*n) for n in needs),
        fan_out=fan_out,
    )


REGISTRY = {
    "company.enrich.profile": _spec("company.enrich.profile", Profile, ("company_domain", "company_name")),
    "person.search": _spec(
        "person.search",
        People,
        ("company_domain", "company_linkedin_url"),
        fan_out=FanOut("results", "person", {"current_company_domain": "company_domain"}),
    ),
    "person.contact.resolve_email": _spec(
        "person.contact.resolve_email", Email, ("company_domain", "company_name"), ("full_name", "first_name")
    ),
    "person.contact.verify_email": _spec("person.contact.verify_email", Email, ("email", "work_email")),
}


def steps(*specs: dict[str, Any]) -> list[BlueprintStep]:
    return [BlueprintStep.model_validate({"position": i + 1, **s}) for i, s in enumerate(specs)]


def test_the_outbound_blueprint_is_valid() -> None:
    outbound = steps(
        {"operation_id": "company.enrich.profile"},
        {"operation_id": "person.search", "fan_out": True},
        {"operation_id": "person.contact.resolve_email"},
        {
            "operation_id": "person.contact.verify_email",
            "step_config": {"condition": {"field": "email", "op": "exists"}},
        },
    )
    assert validate_steps(outbound, REGISTRY) == []
    assert validate_steps(outbound, REGISTRY, entity_inputs=["company_domain"]) == []


def test_unknown_operation_and_unproducible_input_name_the_step() -> None:
    problems = validate_steps(
        steps(
            {"operation_id": "company.enrich.profile"},
            {"operation_id": "company.enrich.nope"},
            {"operation_id": "person.contact.resolve_email"},
        ),
        REGISTRY,
    )
    messages = {(p.position, p.field): p.message for p in problems}
    assert "unknown operation 'company.enrich.nope'" in messages[(2, "operation_id")]
    assert "needs full_name|first_name" in messages[(3, "operation_id")]
    assert problems[0].as_detail()["field"] == "steps.1.operation_id"


def test_declared_entity_inputs_must_cover_the_first_step() -> None:
    problems = validate_steps(
        steps({"operation_id": "company.enrich.profile"}), REGISTRY, entity_inputs=["email"]
    )
    assert len(problems) == 1 and "company_domain|company_name" in problems[0].message


def test_fan_out_only_over_a_declared_list_and_children_get_item_fields() -> None:
    bad = validate_steps(steps({"operation_id": "company.enrich.profile", "fan_out": True}), REGISTRY)
    assert [p.field for p in bad] == ["fan_out"]
    # Without the fan-out, a person's name is not available to resolve_email.
    no_fan_out = steps({"operation_id": "person.search"}, {"operation_id": "person.contact.resolve_email"})
    assert [p.position for p in validate_steps(no_fan_out, REGISTRY)] == [2]
    with_fan_out = steps(
        {"operation_id": "person.search", "fan_out": True}, {"operation_id": "person.contact.resolve_email"}
    )
    assert validate_steps(with_fan_out, REGISTRY, entity_inputs=["company_linkedin_url"]) == []


def test_disabled_steps_are_not_checked() -> None:
    assert (
        validate_steps(
            steps(
                {"operation_id": "company.enrich.profile"},
                {"operation_id": "company.enrich.nope", "is_enabled": False},
            ),
            REGISTRY,
        )
        == []
    )


@pytest.mark.parametrize(
    ("step_config", "path", "problem"),
    [
        (
            {"condition": {"field": "x", "op": "gt", "value": "a lot"}},
            "step_config.condition.value",
            "must be a number",
        ),
        ({"skip_if_fresh": {"max_age_hours": 0}}, "step_config.skip_if_fresh.max_age_hours", "above 0"),
        ({"skip_if_fresh": {}}, "step_config.skip_if_fresh.max_age_hours", "Field required"),
        ({"skip_if_fresh": {"max_age_hours": True}}, "step_config.skip_if_fresh.max_age_hours", "above 0"),
        (
            {"skip_if_fresh": {"max_age_hours": 24, "identity_fields": ["domain", ""]}},
            "step_config.skip_if_fresh.identity_fields.1",
            "field name",
        ),
        ({"skip_if_fresh": "daily"}, "step_config.skip_if_fresh", "valid dictionary"),
        ({"fan_out": "yes"}, "step_config.fan_out", "valid boolean"),
    ],
)
def test_step_config_is_typed_and_named_by_path(step_config: dict[str, Any], path: str, problem: str) -> None:
    with pytest.raises(ValidationError) as refused:
        steps({"operation_id": "company.enrich.profile", "step_config": step_config})
    found = [(".".join(map(str, e["loc"])), e["msg"]) for e in refused.value.errors()]
    assert any(at == path and problem in message for at, message in found), found


def test_step_config_keeps_operation_parameters_and_fan_out_as_written() -> None:
    (step,) = steps(
        {
            "operation_id": "person.search",
            "step_config": {"fan_out": True, "max_results": 3, "skip_if_fresh": {"max_age_hours": 24}},
        }
    )
    assert step.step_config.params == {"max_results": 3} and step.step_config.fans_out
    assert step.model_dump()["step_config"] == {
        "fan_out": True,
        "max_results": 3,
        "skip_if_fresh": {"max_age_hours": 24},
    }
    assert validate_steps([step], REGISTRY, entity_inputs=["company_linkedin_url"]) == []
