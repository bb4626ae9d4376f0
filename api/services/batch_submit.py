"""Batch submission: validate every entity first, then write the submission and its root runs at once.

The same pieces serve a JSON batch, an uploaded file and `dex enrich`: `prepare` resolves the
blueprint and its snapshot, `entity_problems` checks entities against what the blueprint needs,
`open_submission` and `add_runs` write (COPY) in the caller's transaction, batch after batch.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine

from api.errors import ApiError
from api.schemas.batch_submit import BatchSubmit
from blueprints.schema import BlueprintStep
from blueprints.validation import validate_steps
from cluster.plan import snapshot_steps
from config.vocabulary import RunStatus, SubmissionStatus
from operations.inputs import NotAWebsite, website_domain
from operations.registry import all_operations
from store.bulk import copy_rows
from store.errors import NotFoundError
from store.repositories import blueprints, companies, submissions

LISTED_RUNS_LIMIT = 1_000
MAX_REPORTED_PROBLEMS = 100
RUN_COLUMNS = ("id", "entity_index", "entity_type", "context")
WEBSITE_FIELDS = ("company_domain", "company_website")
_PERSON_KEYS = frozenset({"linkedin_url", "email", "work_email", "full_name", "first_name"})


def _present(value: Any) -> bool:
    return value not in (None, "", [], {})


@dataclass
class Prepared:
    """A blueprint ready to receive entities: its snapshot and a cache of input checks."""

    org_id: uuid.UUID
    company_id: uuid.UUID
    blueprint: dict[str, Any]
    steps: list[dict[str, Any]]
    first_type: str
    _verdicts: dict[frozenset[str], list[str]]

    def problems_for(self, entity: dict[str, Any]) -> list[str]:
        """Return why this entity's fields cannot run the blueprint (cached by the set of fields present)."""
        keys = frozenset(k for k, v in entity.items() if _present(v))
        if keys not in self._verdicts:
            missing = self.missing_inputs(keys)
            if missing:
                self._verdicts[keys] = [f"missing {', '.join(missing)} (the blueprint's entity_inputs)"]
            else:
                found = validate_steps(
                    [BlueprintStep.model_validate(s) for s in self.steps],
                    all_operations(),
                    entity_inputs=sorted(keys) or ["_nothing_"],
                )
                self._verdicts[keys] = [p.message for p in found]
        return self._verdicts[keys]

    def missing_inputs(self, fields: Collection[str]) -> list[str]:
        """Return the blueprint's declared entity inputs (every entity brings them all) not among fields."""
        return [name for name in self.blueprint.get("entity_inputs") or [] if name not in fields]

    def inputs_no_column_supplies(self, fields: Collection[str]) -> list[str]:
        """Return the declared entity inputs that no mapped column of a file supplies."""
        # Ingest derives company_domain from a company_website column (to_entities).
        derived = {"company_domain"} if "company_website" in fields else set()
        return self.missing_inputs({*fields, *derived})

    def entity_type(self, entity: dict[str, Any], declared: str | None = None) -> str:
        """Return the entity's type: as declared, else what its first step and fields imply."""
        if declared:
            return declared
        present = {k for k, v in entity.items() if _present(v)}
        # A person.* first step means person entities, unless it is person.search run for a company.
        return "person" if self.first_type == "person" and _PERSON_KEYS & present else "company"


def prepare(
    conn: Connection, *, blueprint_id: uuid.UUID, org_id: uuid.UUID, company_id: uuid.UUID
) -> Prepared:
    """Resolve the tenant company and the blueprint (active, with enabled steps) for a submission."""
    if not companies.company_in_org(conn=conn, company_id=company_id, org_id=org_id):
        raise NotFoundError("company not found")
    blueprint = blueprints.get_blueprint(conn=conn, blueprint_id=blueprint_id, org_id=org_id)
    if not blueprint["is_active"]:
        raise ApiError(
            422, "blueprint is inactive", details=[{"field": "blueprint_id", "message": "inactive"}]
        )
    steps = snapshot_steps(blueprint)
    if not steps:
        detail = {"field": "blueprint_id", "message": "the blueprint has no enabled steps"}
        raise ApiError(422, "blueprint has no enabled steps", details=[detail])
    first_type = all_operations()[steps[0]["operation_id"]].entity_type
    return Prepared(org_id, company_id, blueprint, steps, first_type, {})


def _website_problems(entity: dict[str, Any]) -> list[str]:
    """Return why a website or domain field of the entity names no company's website, if it does not."""
    problems = []
    for name in WEBSITE_FIELDS:
        value = entity.get(name)
        if not _present(value):
            continue
        if not isinstance(value, str):
            problems.append(f"{name} must be text, a domain or website")
            continue
        try:
            website_domain(value)
        except NotAWebsite as exc:
            shown = value if len(value) <= 80 else value[:77] + "..."
            problems.append(f"{name} {shown!r} is {exc.what or 'not a domain'}, not a website")
    return problems


def entity_problems(prepared: Prepared, entities: Sequence[dict[str, Any]]) -> list[dict[str, str]]:
    """Check every entity's fields against the blueprint; one detail per bad entity, named by its index.

    A website or domain field must name a public domain, as `dex enrich` requires of a file: an email
    address, an IP address, `localhost` or a single name is refused, never enriched as a company.
    """
    problems = []
    for index, entity in enumerate(entities):
        found = [*prepared.problems_for(entity), *_website_problems(entity)]
        if found:
            problems.append({"field": f"entities.{index}.input", "message": "; ".join(found)})
    return problems


def require_company(company_id: uuid.UUID | None) -> uuid.UUID:
    """Return the batch's company, or refuse the batch: it belongs to one company."""
    if company_id is None:
        message = "company_id is required: the batch belongs to one company"
        raise ApiError(422, message, details=[{"field": "company_id", "message": message}])
    return company_id


def check_entities(prepared: Prepared, entities: Sequence[dict[str, Any]]) -> None:
    """Refuse the batch (422, naming the bad entities) unless every entity can run the blueprint."""
    problems = entity_problems(prepared, entities)
    if problems:
        shown = problems[:MAX_REPORTED_PROBLEMS]
        count = f"{len(problems)} entit{'y' if len(problems) == 1 else 'ies'}"
        listed = f", the first {len(shown)} listed" if len(shown) < len(problems) else ""
        first = f"{shown[0]['field']}: {shown[0]['message']}"
        raise ApiError(422, f"{count} cannot run this blueprint{listed} ({first})", details=shown)


def open_submission(
    conn: Connection,
    prepared: Prepared,
    *,
    user_id: uuid.UUID | None,
    source: str | None,
    metadata: dict[str, Any],
    entity_count: int,
    max_cost_usd: float | None = None,
) -> uuid.UUID:
    """Write the submission row (queued) with its blueprint snapshot and spending cap; return its id."""
    blueprint = prepared.blueprint
    snapshot = {
        "blueprint": {k: _jsonable(v) for k, v in blueprint.items() if k != "blueprint_steps"},
        "steps": prepared.steps,
    }
    row = submissions.create_submission(
        conn=conn,
        values={
            "org_id": prepared.org_id,
            "company_id": prepared.company_id,
            "blueprint_id": blueprint["id"],
            "blueprint_version": blueprint["version"],
            "blueprint_snapshot": snapshot,
            "submitted_by_user_id": user_id,
            "source": source,
            "input_payload": {"entity_count": entity_count},
            "status": SubmissionStatus.QUEUED,
            "metadata": metadata,
            "max_cost_usd": max_cost_usd,
        },
    )
    return uuid.UUID(str(row["id"]))


def add_runs(
    conn: Connection,
    prepared: Prepared,
    submission_id: uuid.UUID,
    entities: Sequence[dict[str, Any]],
    *,
    first_index: int,
    entity_types: Sequence[str | None] | None = None,
    input_rows: Sequence[int] | None = None,
) -> list[dict[str, Any]]:
    """COPY one queued root run per entity (entity_index from first_index); return the runs written.

    input_rows, for entities read from a file, is each one's record number there (the output's key).
    """
    blueprint = prepared.blueprint
    types = entity_types or [None] * len(entities)
    runs = [
        {
            "id": uuid.uuid4(),
            "entity_index": index,
            "entity_type": prepared.entity_type(entity, declared),
            "context": entity,
        }
        for index, entity, declared in zip(itertools.count(first_index), entities, types, strict=False)
    ]
    columns: tuple[str, ...] = RUN_COLUMNS
    if input_rows is not None:
        columns = (*RUN_COLUMNS, "input_row")
        for run, row in zip(runs, input_rows, strict=True):
            run["input_row"] = row
    # What every run shares goes as COPY constants, not as eight more keys in each of 10k row dicts.
    shared = {
        "org_id": prepared.org_id,
        "company_id": prepared.company_id,
        "submission_id": submission_id,
        "blueprint_id": blueprint["id"],
        "blueprint_version": blueprint["version"],
        "status": RunStatus.QUEUED,
        "depth": 0,
        "start_position": prepared.steps[0]["position"],
    }
    copy_rows(conn=conn, table_name="pipeline_runs", columns=columns, rows=runs, constants=shared)
    return runs


def submit(
    engine: Engine, body: BatchSubmit, *, org_id: uuid.UUID, company_id: uuid.UUID, user_id: uuid.UUID | None
) -> dict[str, Any]:
    """Validate a JSON batch, then write the submission and its root runs in one transaction."""
    inputs = [e.input for e in body.entities]
    with engine.begin() as conn:
        prepared = prepare(conn, blueprint_id=body.blueprint_id, org_id=org_id, company_id=company_id)
        check_entities(prepared, inputs)
        submission_id = open_submission(
            conn,
            prepared,
            user_id=user_id,
            source=body.source,
            metadata=body.metadata,
            entity_count=len(inputs),
            max_cost_usd=body.max_cost_usd,
        )
        runs = add_runs(
            conn,
            prepared,
            submission_id,
            inputs,
            first_index=0,
            entity_types=[e.entity_type for e in body.entities],
        )
    answer = submitted_answer(submission_id, runs)
    answer["steps"] = prepared.steps  # for the router's credit warnings; not part of the answer
    return answer


def submitted_answer(submission_id: uuid.UUID, runs: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Return what a submit answers (the per-entity runs only for small batches)."""
    listed = None
    if len(runs) <= LISTED_RUNS_LIMIT:
        listed = [
            {
                "entity_index": r["entity_index"],
                "entity_type": r["entity_type"],
                "pipeline_run_id": r["id"],
                "pipeline_run_status": RunStatus.QUEUED,
            }
            for r in runs
        ]
    return {
        "submission_id": submission_id,
        "status": SubmissionStatus.QUEUED,
        "run_count": len(runs),
        "pipeline_runs": listed,
    }


def _jsonable(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value
