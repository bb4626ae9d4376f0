"""The assembler: structured goals planned over the registry, deterministically, into valid blueprints."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import create_model

from blueprints.assembler import Assembly, assemble
from blueprints.goal import Goal
from blueprints.planner import cheapest_chain, why_unreachable
from blueprints.schema import BlueprintStep
from blueprints.validation import validate_steps
from blueprints.vocabulary import vocabulary
from operations.contracts.base import Contract
from operations.estimate import History, OperationHistory, estimate
from operations.registry import all_operations
from operations.runtime import OperationRun, Outcome
from operations.spec import OperationSpec, need

COMPANY = ["company_domain", "company_name"]
ISSUE_GOAL = {
    "outputs": ["work_email", "email_status"],
    "conditions": [{"field": "employee_count", "op": "gte", "value": 50}],
    "search": {"job_title": "VP of Sales"},
    "limits": {"max_results": 3},
}


async def _never(run: OperationRun) -> Outcome:
    raise AssertionError("planning runs nothing")


def _spec(op_id: str, produces: list[str], *needs: tuple[str, ...]) -> OperationSpec:
    output = create_model(
        f"Out_{op_id.replace('.', '_')}", __base__=Contract, **{n: (str | None, None) for n in produces}
    )  # type: ignore[call-overload]
    return OperationSpec(
        id=op_id, description=op_id, output=output, run=_never, requires=tuple(need(*n) for n in needs)
    )


def _plan(goal: dict[str, Any], entity_type: str = "company", inputs: list[str] = COMPANY) -> Assembly:
    return assemble(Goal.model_validate(goal), entity_type, inputs, all_operations())  # type: ignore[arg-type]


def _cost(operation_id: str) -> float:
    """The cost per entity found for, without history: the estimate over the declared coverage."""
    step = {"position": 1, "operation_id": operation_id, "step_config": {}}
    return estimate([step]).cost_usd.expected / all_operations()[operation_id].coverage


def test_a_cheap_source_that_knows_few_companies_is_not_the_cheapest_chain() -> None:
    # StoreLeads ($0.01) knows only online stores: per company it finds, it costs more than a profile.
    answer = assemble(Goal(outputs=["employee_count"]), "company", ["company_domain"], all_operations())
    assert [s.operation_id for s in answer.steps] == ["company.enrich.profile"]
    assert _cost("company.enrich.ecommerce") > _cost("company.enrich.profile")


def _valid(answer: Assembly) -> bool:
    steps = [BlueprintStep.model_validate(s) for s in answer.blueprint_steps()]
    return validate_steps(steps, all_operations(), entity_inputs=answer.entity_inputs) == []


# A toy registry: `direct` gives the goal in one dear step, `lookup` + `cheap` in two cheap ones.
TOY = {
    s.id: s
    for s in (
        _spec("toy.direct", ["goal"], ("domain",)),
        _spec("toy.lookup", ["name"], ("domain",)),
        _spec("toy.cheap", ["goal"], ("name",)),
        _spec("toy.other", ["goal"], ("name",)),
        _spec("toy.island", ["island"], ("nowhere",)),
    )
}
TOY_COSTS = {"toy.direct": 5.0, "toy.lookup": 1.0, "toy.cheap": 1.0, "toy.other": 1.0, "toy.island": 0.0}


@pytest.mark.parametrize(
    ("costs", "expected"),
    [
        (TOY_COSTS, ("toy.lookup", "toy.cheap")),  # two cheap steps beat one dear one
        ({**TOY_COSTS, "toy.direct": 2.0}, ("toy.direct",)),  # a tie goes to the shorter chain
        ({**TOY_COSTS, "toy.direct": 2.5}, ("toy.lookup", "toy.cheap")),
    ],
)
def test_the_cheapest_chain_wins_and_ties_go_to_the_shorter(
    costs: dict[str, float], expected: tuple[str, ...]
) -> None:
    chain = cheapest_chain([("goal",)], {"domain"}, TOY, costs.__getitem__)
    assert chain is not None and chain.operation_ids == expected


def test_an_unreachable_field_has_no_chain_and_a_plain_reason() -> None:
    assert cheapest_chain([("island",)], {"domain"}, TOY, TOY_COSTS.__getitem__) is None
    assert why_unreachable("island", "company", {"domain"}, TOY) == (
        "island cannot be produced for a company that has domain: toy.island needs nowhere"
    )
    assert why_unreachable("moon", "company", {"domain"}, TOY) == "no operation on a company produces moon"


def test_the_issues_goal_fans_out_to_people_after_the_condition_is_known() -> None:
    answer = _plan(ISSUE_GOAL)
    assert answer.unsatisfied == [] and answer.problems == []
    ops = [s.operation_id for s in answer.steps]
    first, fan, *children = answer.steps
    # The condition's field comes first, from the cheapest operation that produces it.
    producers = [
        s for s in all_operations().values() if s.entity_type == "company" and "employee_count" in s.produces
    ]
    assert "employee_count" in all_operations()[first.operation_id].produces
    assert _cost(first.operation_id) == min(_cost(s.id) for s in producers if s.fan_out is None)
    assert "condition" not in first.step_config and "condition reads it" in first.why
    # The list of people comes next, guarded by the condition, with the goal's search and limit.
    assert fan.operation_id == "person.search" and fan.fan_out
    assert fan.step_config == {
        "job_title": "VP of Sales",
        "max_results": 3,
        "condition": ISSUE_GOAL["conditions"][0],
    }
    # Each person's steps come after the fan-out, and carry no company condition.
    assert {s.operation_id for s in children} == {"person.resolve.work_email", "person.enrich.profile"}
    assert all("condition" not in s.step_config and not s.fan_out for s in children)
    assert answer.outputs == {
        "work_email": {"entity_type": "person", "step": ops.index("person.resolve.work_email") + 1},
        "email_status": {"entity_type": "person", "step": ops.index("person.enrich.profile") + 1},
    }
    assert [p["entity_type"] for p in answer.produces] == ["company", "person"]
    assert {"work_email", "email_status", "full_name"} <= set(answer.produces[1]["fields"])
    cost = answer.cost_per_entity
    assert cost is not None and 0 < cost.low <= cost.expected <= cost.high


def test_the_orgs_history_turns_the_choice_to_what_finds_something() -> None:
    goal = Goal.model_validate({"outputs": ["employee_count"]})
    cheapest = assemble(goal, "company", COMPANY, all_operations()).steps[0].operation_id
    # This org's companies are rarely in the cheapest source: 2 found in 100 runs.
    history = History(operations={cheapest: OperationHistory(runs=100, found=2, failed=0)})
    chosen = assemble(goal, "company", COMPANY, all_operations(), history=history).steps[0].operation_id
    assert chosen != cheapest and "employee_count" in all_operations()[chosen].produces


def test_the_plan_is_the_same_every_time() -> None:
    assert _plan(ISSUE_GOAL) == _plan(ISSUE_GOAL)


def test_a_company_goal_stays_on_the_company_and_every_step_carries_the_condition_after_its_field() -> None:
    answer = _plan(
        {
            "outputs": ["technology_count", "has_raised_vc"],
            "conditions": [{"field": "employee_count", "op": "gte", "value": 50}],
            "freshness": {"max_age_hours": 720},
        }
    )
    assert answer.unsatisfied == [] and not any(s.fan_out for s in answer.steps)
    guarded = [s for s in answer.steps if "condition" in s.step_config]
    assert len(guarded) == len(answer.steps) - 1 and "condition" not in answer.steps[0].step_config
    assert all(s.step_config["skip_if_fresh"] == {"max_age_hours": 720} for s in answer.steps)
    assert set(answer.outputs) == {"technology_count", "has_raised_vc"}


def test_a_chain_is_built_when_an_input_is_missing() -> None:
    # From a LinkedIn page alone, the domain must be found before the technographics can be read.
    answer = _plan({"outputs": ["technology_count"]}, inputs=["company_linkedin_url"])
    assert answer.unsatisfied == [] and len(answer.steps) == 2 and _valid(answer)
    assert "provides company_domain" in answer.steps[0].why


def test_a_named_list_fans_out_over_companies_and_its_own_outputs_come_from_the_list_step() -> None:
    answer = _plan(
        {
            "outputs": ["competitor_count", "technology_count"],
            "each": "company",
            "via": "company.research.discover_competitors",
            "limits": {"max_results": 5},
        }
    )
    assert answer.unsatisfied == []
    assert (answer.steps[0].operation_id, answer.steps[0].fan_out) == (
        "company.research.discover_competitors",
        True,
    )
    assert answer.steps[0].step_config == {"max_results": 5}
    assert answer.outputs["competitor_count"]["step"] == 1 and answer.outputs["technology_count"]["step"] == 2


@pytest.mark.parametrize(
    ("goal", "entity_type", "inputs", "says"),
    [
        (
            {"outputs": ["wrk_email"]},
            "company",
            COMPANY,
            "output 'wrk_email' is not in the registry (did you mean work_email",
        ),
        (
            {"outputs": ["annual_card_revenue"]},
            "person",
            ["full_name"],
            "no operation on a person produces annual_card_revenue",
        ),
        (
            {"outputs": ["annual_card_revenue"]},
            "person",
            ["full_name"],
            "no operation lists companies from a person",
        ),
        (
            {"outputs": ["technologies"], "conditions": [{"field": "employees", "op": "gte", "value": 5}]},
            "company",
            COMPANY,
            "condition field 'employees' is not in the registry",
        ),
        (
            {
                "outputs": ["technologies"],
                "conditions": [{"field": "employee_count", "op": "bigger", "value": 5}],
            },
            "company",
            COMPANY,
            "goal.conditions[0]: op must be one of",
        ),
        (
            {"outputs": ["employee_count"], "via": "company.enrich.profile"},
            "company",
            COMPANY,
            "via: company.enrich.profile yields no list",
        ),
        (
            {"outputs": ["employee_count"], "each": "company", "via": "company.research.find_similar"},
            "company",
            COMPANY,
            "did you mean company.research.find_similar_companies",
        ),
        (
            {"outputs": ["technology_count"], "limits": {"max_results": 5}},
            "company",
            COMPANY,
            "search and limits apply to a list",
        ),
        (
            {"outputs": ["work_email"], "search": {"seniority": "VP"}},
            "company",
            COMPANY,
            "no list of people takes search seniority (company.research.lookup_alumni reads",
        ),
    ],
)
def test_what_cannot_be_done_is_said_plainly(
    goal: dict[str, Any], entity_type: str, inputs: list[str], says: str
) -> None:
    answer = _plan(goal, entity_type, inputs)
    assert any(says in line for line in answer.unsatisfied), answer.unsatisfied


def test_an_impossible_goal_plans_no_step() -> None:
    answer = _plan({"outputs": ["annual_card_revenue", "nothing_at_all"]}, "person", ["full_name"])
    assert answer.steps == [] and len(answer.unsatisfied) >= 2 and answer.cost_per_entity is None


GOALS = [
    (ISSUE_GOAL, "company", COMPANY),
    ({"outputs": ["work_email", "mobile_phone", "employee_count"]}, "company", ["company_domain"]),
    ({"outputs": ["email", "verification"], "each": "person"}, "company", ["company_name"]),
    ({"outputs": ["technologies", "pricing_model"]}, "company", COMPANY),
    (
        {"outputs": ["full_name", "title"], "via": "company.research.lookup_champions"},
        "company",
        ["company_domain"],
    ),
    ({"outputs": ["mobile_phone", "location"]}, "person", ["linkedin_url"]),
    (
        {"outputs": ["employee_count", "work_email", "company_name"], "each": "person"},
        "company",
        ["company_domain"],
    ),
    (
        {
            "outputs": ["email_status"],
            "conditions": [
                {
                    "any": [
                        {"field": "seniority", "op": "eq", "value": "VP"},
                        {"field": "department", "op": "exists"},
                    ]
                }
            ],
        },
        "person",
        ["full_name", "company_domain"],
    ),
]


@pytest.mark.parametrize(("goal", "entity_type", "inputs"), GOALS)
def test_every_assembled_blueprint_passes_the_same_validation_as_a_hand_written_one(
    goal: dict[str, Any], entity_type: str, inputs: list[str]
) -> None:
    answer = _plan(goal, entity_type, inputs)
    assert answer.steps and answer.unsatisfied == [] and answer.problems == []
    assert _valid(answer)
    assert set(answer.outputs) == set(goal["outputs"])


def test_the_vocabulary_holds_what_operations_read_produce_and_list() -> None:
    words = vocabulary(all_operations())
    assert {"work_email", "employee_count", "company_domain", "title", "email_status"} <= set(words)
