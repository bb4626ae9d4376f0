"""Batch submission: validate every entity first, then write the submission and its root runs at once."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Engine

from api.errors import ApiError
from api.schemas.batch_submit import BatchSubmit, EntityIn
from blueprints.schema import BlueprintStep
from blueprints.validation import validate_steps
from cluster.plan import snapshot_steps
from operations.registry import all_operations
from store.bulk import copy_rows
from store.errors import NotFoundError
from store.repositories import blueprints, companies, submissions

LISTED_RUNS_LIMIT = 1_000
MAX_REPORTED_PROBLEMS = 100
RUN_COLUMNS = (
    "id", "org_id", "company_id", "submission_id", "blueprint_id", "blueprint_version", "entity_index",
    "entity_type", "context", "status", "depth", "start_position",
)  # fmt: skip


def _present(value: Any) -> bool:
    return value not in (None, "", [], {})


def entity_problems(steps: Sequence[BlueprintStep], entities: Sequence[EntityIn]) -> list[dict[str, str]]:
    """Check every entity's fields against what the blueprint needs from it; name each bad row."""
    registry = all_operations()
    verdicts: dict[frozenset[str], list[str]] = {}
    problems: list[dict[str, str]] = []
    for index, entity in enumerate(entities):
        keys = frozenset(k for k, v in entity.input.items() if _present(v))
        if keys not in verdicts:
            found = validate_steps(steps, registry, entity_inputs=sorted(keys) or ["_nothing_"])
            verdicts[keys] = [p.message for p in found]
        for message in verdicts[keys]:
            problems.append({"field": f"entities.{index}.input", "message": message})
    return problems


def submit(
    engine: Engine, body: BatchSubmit, *, org_id: uuid.UUID, company_id: uuid.UUID, user_id: uuid.UUID | None
) -> dict[str, Any]:
    """Validate, then write the submission and one queued root run per entity; return the ids."""
    with engine.begin() as conn:
        if not companies.company_in_org(conn=conn, company_id=company_id, org_id=org_id):
            raise NotFoundError("company not found")
        blueprint = blueprints.get_blueprint(conn=conn, blueprint_id=body.blueprint_id, org_id=org_id)
        if not blueprint["is_active"]:
            raise ApiError(
                422, "blueprint is inactive", details=[{"field": "blueprint_id", "message": "inactive"}]
            )
        steps = snapshot_steps(blueprint)
        if not steps:
            raise ApiError(
                422, "blueprint has no enabled steps", details=[{"field": "blueprint_id", "message": "empty"}]
            )
        problems = entity_problems([BlueprintStep.model_validate(s) for s in steps], body.entities)
        if problems:
            shown = problems[:MAX_REPORTED_PROBLEMS]
            raise ApiError(
                422,
                f"{len(problems)} entities cannot run this blueprint: {shown[0]['message']}",
                details=shown,
            )
        first_type = all_operations()[steps[0]["operation_id"]].entity_type
        snapshot = {
            "blueprint": {k: _jsonable(v) for k, v in blueprint.items() if k != "blueprint_steps"},
            "steps": steps,
        }
        submission = submissions.create_submission(
            conn=conn,
            values={
                "org_id": org_id,
                "company_id": company_id,
                "blueprint_id": blueprint["id"],
                "blueprint_version": blueprint["version"],
                "blueprint_snapshot": snapshot,
                "submitted_by_user_id": user_id,
                "source": body.source,
                "input_payload": {"entity_count": len(body.entities)},
                "status": "queued",
                "metadata": body.metadata,
            },
        )
        runs = [
            {
                "id": uuid.uuid4(),
                "org_id": org_id,
                "company_id": company_id,
                "submission_id": submission["id"],
                "blueprint_id": blueprint["id"],
                "blueprint_version": blueprint["version"],
                "entity_index": index,
                "entity_type": entity.entity_type or _entity_type(first_type, entity.input),
                "context": entity.input,
                "status": "queued",
                "depth": 0,
                "start_position": steps[0]["position"],
            }
            for index, entity in enumerate(body.entities)
        ]
        copy_rows(conn=conn, table_name="pipeline_runs", columns=RUN_COLUMNS, rows=runs)
    listed = None
    if len(runs) <= LISTED_RUNS_LIMIT:
        listed = [
            {
                "entity_index": r["entity_index"],
                "entity_type": r["entity_type"],
                "pipeline_run_id": r["id"],
                "pipeline_run_status": "queued",
            }
            for r in runs
        ]
    return {
        "submission_id": submission["id"],
        "status": "queued",
        "run_count": len(runs),
        "pipeline_runs": listed,
    }


def _entity_type(first_step_type: str, fields: dict[str, Any]) -> str:
    # A person.* first step (person.search excepted, which runs for a company) means person entities.
    person_keys = {"linkedin_url", "email", "work_email", "full_name", "first_name"}
    if first_step_type == "person" and person_keys.intersection(k for k, v in fields.items() if _present(v)):
        return "person"
    return "company"


def _jsonable(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value
