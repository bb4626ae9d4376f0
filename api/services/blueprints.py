"""Blueprint writes: static validation against the operation registry before anything is stored."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import Connection

from api.errors import ApiError
from api.schemas.blueprints import BlueprintCreate, BlueprintUpdate
from blueprints.schema import BlueprintStep
from blueprints.validation import validate_steps
from operations.registry import all_operations
from store.repositories import blueprints


def check_steps(steps: Sequence[BlueprintStep], entity_inputs: Sequence[str] | None) -> None:
    """Refuse (422, naming each step and problem) a blueprint that cannot run."""
    problems = validate_steps(steps, all_operations(), entity_inputs=entity_inputs)
    if problems:
        details = [p.as_detail() for p in problems]
        summary = "; ".join(d["message"] for d in details[:3])
        raise ApiError(422, f"Invalid blueprint: {summary}", details=details)


def create_blueprint(
    *, conn: Connection, body: BlueprintCreate, org_id: UUID, created_by_user_id: UUID | None
) -> dict[str, Any]:
    """Validate and store a new blueprint with its steps."""
    check_steps(body.steps, body.entity_inputs)
    return blueprints.create_blueprint(
        conn=conn,
        org_id=org_id,
        name=body.name,
        description=body.description,
        steps=[s.model_dump() for s in body.steps],
        created_by_user_id=created_by_user_id,
        entity_inputs=body.entity_inputs,
    )


def update_blueprint(*, conn: Connection, body: BlueprintUpdate, org_id: UUID | None) -> dict[str, Any]:
    """Validate the blueprint as it will be after the change, then apply it atomically."""
    changes = body.model_dump(exclude_unset=True, exclude={"id", "steps"})
    if body.steps is not None or "entity_inputs" in changes:
        current = blueprints.get_blueprint(conn=conn, blueprint_id=body.id, org_id=org_id)
        steps = body.steps
        if steps is None:
            steps = [
                BlueprintStep.model_validate({k: s[k] for k in BlueprintStep.model_fields})
                for s in current["blueprint_steps"]
                if s["operation_id"] is not None
            ]
        check_steps(steps, changes.get("entity_inputs", current["entity_inputs"]))
    return blueprints.update_blueprint(
        conn=conn,
        blueprint_id=body.id,
        org_id=org_id,
        changes=changes,
        steps=None if body.steps is None else [s.model_dump() for s in body.steps],
    )
