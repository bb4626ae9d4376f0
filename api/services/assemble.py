"""Assembling a blueprint for a tenant: read the goal, plan it over the registry, price it, say why.

The planning is blueprints/assembler.py's, priced with the org's own history as a dry run is. A
plain-language goal needs a model to read it (api/services/goal_reading.py); without one it is
refused with the structured form to send instead. Saving goes through the create path, so an
assembled blueprint is validated exactly as a hand-written one before it is stored.
"""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from sqlalchemy import Connection

from api.errors import ApiError
from api.schemas.assemble import AssembleRequest
from api.schemas.blueprints import BlueprintCreate
from api.services.batch_estimate import keyed_providers
from api.services.goal_reading import Reading, read_goal
from blueprints.assembler import Assembly, assemble
from blueprints.goal import Goal
from config import ProviderSettings
from operations.estimate import History
from operations.registry import all_operations
from operations.runtime import ProviderCaller
from store.repositories import estimate_history

STRUCTURED_EXAMPLE = {
    "outputs": ["work_email", "email_status"],
    "conditions": [{"field": "employee_count", "op": "gte", "value": 50}],
    "search": {"job_title": "VP of Sales"},
    "limits": {"max_results": 3},
}


def no_model_error() -> ApiError:
    """Return the refusal of a plain-language goal when no model key is configured."""
    example = json.dumps(STRUCTURED_EXAMPLE, separators=(", ", ": "))
    return ApiError(
        400,
        "A plain-language goal needs an OpenAI or Gemini API key to be read, and none is configured. "
        f"Send the goal in structured form instead, e.g. {example}",
        code="goal_needs_model",
        details=[{"field": "goal", "message": f"structured form: {example}"}],
    )


async def structured_goal(
    body: AssembleRequest, providers: ProviderSettings, caller: ProviderCaller
) -> tuple[Goal, Reading | None]:
    """Return the goal in structured form: as given, else as a model read it through caller (400: none)."""
    if not isinstance(body.goal, str):
        return body.goal, None
    reading = await read_goal(
        body.goal,
        entity_type=body.entity_type,
        inputs=body.available_inputs,
        providers=providers,
        registry=all_operations(),
        caller=caller,
    )
    if reading is None:
        raise no_model_error()
    return reading.goal, reading


def org_history(conn: Connection, org_id: UUID) -> History:
    """Read what the org's past runs say about every operation (what they called and cost)."""
    ids = sorted(all_operations())
    return History.from_rows(
        runs=estimate_history.operation_runs(conn=conn, org_id=org_id, operation_ids=ids),
        actions=estimate_history.operation_actions(conn=conn, org_id=org_id, operation_ids=ids),
        fan_outs=estimate_history.fan_outs(conn=conn, org_id=org_id, operation_ids=ids),
    )


def plan(
    *, conn: Connection, goal: Goal, body: AssembleRequest, org_id: UUID | None, providers: ProviderSettings
) -> Assembly:
    """Plan the goal for the org (None: an org with no history); refuse (422) what cannot be done at all."""
    answer = assemble(
        goal,
        body.entity_type,
        body.available_inputs,
        all_operations(),
        history=None if org_id is None else org_history(conn, org_id),
        keyed=keyed_providers(providers),
    )
    if not answer.steps:
        reasons = answer.unsatisfied or ["every output asked for is already among the available inputs"]
        raise ApiError(
            422,
            "Nothing in this goal can be planned: " + "; ".join(reasons[:3]),
            code="goal_unsatisfiable",
            details=[{"field": "goal", "message": reason} for reason in reasons],
        )
    if answer.problems:  # never answered or stored unvalidated, whatever the planner did
        raise ApiError(
            422,
            "The assembled blueprint does not validate: " + "; ".join(answer.problems[:3]),
            code="invalid_blueprint",
            details=[{"field": "steps", "message": problem} for problem in answer.problems],
        )
    return answer


def default_name(body: AssembleRequest, goal: Goal) -> str:
    """Name the blueprint after the goal: its text, else its outputs."""
    text = body.goal if isinstance(body.goal, str) else "assembled: " + ", ".join(goal.outputs)
    return text if len(text) <= 200 else text[:199] + "…"


def blueprint_create(body: AssembleRequest, goal: Goal, answer: Assembly) -> BlueprintCreate:
    """Return the create body of the assembled blueprint (validated again by the create path)."""
    return BlueprintCreate.model_validate(
        {
            "name": body.name or default_name(body, goal),
            "description": body.description
            if body.description is not None
            else (body.goal if isinstance(body.goal, str) else None),
            "entity_inputs": answer.entity_inputs,
            "steps": answer.blueprint_steps(),
        }
    )


def answer_of(
    goal: Goal, reading: Reading | None, create: BlueprintCreate, answer: Assembly
) -> dict[str, Any]:
    """Return the API's answer: the blueprint, why each step, the cost, the fields, what cannot be done."""
    cost = answer.cost_per_entity
    return {
        "goal": goal.model_dump(exclude_defaults=True),
        "read_by": None if reading is None else reading.model,
        "repairs": None if reading is None else reading.repairs,
        "reading_cost_usd": None if reading is None else reading.cost_usd,
        "blueprint": {
            "name": create.name,
            "description": create.description,
            "entity_inputs": answer.entity_inputs,
            "steps": answer.blueprint_steps(),
        },
        "steps": [
            {"position": s.position, "operation_id": s.operation_id, "fan_out": s.fan_out, "why": s.why}
            for s in answer.steps
        ],
        "cost_per_entity_usd": cost.as_dict(6) if cost is not None else {"low": 0, "expected": 0, "high": 0},
        "assumptions": answer.assumptions,
        "produces": answer.produces,
        "outputs": answer.outputs,
        "unsatisfied": answer.unsatisfied,
        "saved": None,
    }
