"""Rows the engine writes (submissions, run trees, steps, costs, entities, timeline), inserted directly.

Tenants are built here too, without the HTTP API: an org, two companies, one user of each role and an
API token per role. That skips bcrypt and logins, so a test costs milliseconds to set up.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import Engine, insert

from api.auth.tokens import hash_api_token, new_api_token
from store.tables import (
    api_tokens,
    blueprints,
    companies,
    company_entities,
    entity_timeline,
    operation_runs,
    orgs,
    person_entities,
    pipeline_runs,
    step_results,
    submissions,
    users,
)

ROLES = ("org_admin", "company_admin", "member")


@dataclass
class Tenant:
    """One org: two companies, a blueprint, and an API token per role (pinned roles on company 0)."""

    org_id: UUID
    company_ids: list[UUID]
    blueprint_id: UUID
    tokens: dict[str, str] = field(default_factory=dict)


def make_tenant(engine: Engine, label: str | None = None) -> Tenant:
    """Insert an org with two companies, a blueprint and a token for each role."""
    label = label or uuid4().hex[:8]
    with engine.begin() as conn:
        org_id = conn.execute(
            insert(orgs).values(name=f"Org {label}", slug=f"org-{label}").returning(orgs.c.id)
        ).scalar_one()
        company_ids = [
            conn.execute(
                insert(companies).values(org_id=org_id, name=f"{label} co {i}").returning(companies.c.id)
            ).scalar_one()
            for i in (1, 2)
        ]
        blueprint_id = conn.execute(
            insert(blueprints).values(org_id=org_id, name="outbound").returning(blueprints.c.id)
        ).scalar_one()
        tenant = Tenant(org_id=org_id, company_ids=company_ids, blueprint_id=blueprint_id)
        for role in ROLES:
            user_id = conn.execute(
                insert(users)
                .values(
                    org_id=org_id,
                    email=f"{role}.{label}@example.com",
                    role=role,
                    company_id=None if role == "org_admin" else company_ids[0],
                )
                .returning(users.c.id)
            ).scalar_one()
            token = new_api_token()
            conn.execute(
                insert(api_tokens).values(
                    org_id=org_id, user_id=user_id, name=role, token_hash=hash_api_token(token)
                )
            )
            tenant.tokens[role] = token
    return tenant


def add_submission(engine: Engine, tenant: Tenant, company: int = 0, **values: Any) -> UUID:
    """Insert a submission of the tenant's blueprint for one of its companies."""
    row = {
        "org_id": tenant.org_id,
        "company_id": tenant.company_ids[company],
        "blueprint_id": tenant.blueprint_id,
        "source": "api_v1_batch",
        "metadata": {"campaign": "q3"},
        "status": "queued",
        **values,
    }
    with engine.begin() as conn:
        return UUID(
            str(conn.execute(insert(submissions).values(**row).returning(submissions.c.id)).scalar_one())
        )


def add_run(
    engine: Engine,
    tenant: Tenant,
    submission_id: UUID,
    *,
    entity_index: int = 0,
    parent: UUID | None = None,
    depth: int = 0,
    status: str = "queued",
    company: int = 0,
    **values: Any,
) -> UUID:
    """Insert one pipeline run (a root unless parent is given)."""
    row = {
        "org_id": tenant.org_id,
        "company_id": tenant.company_ids[company],
        "submission_id": submission_id,
        "blueprint_id": tenant.blueprint_id,
        "parent_pipeline_run_id": parent,
        "entity_index": entity_index,
        "depth": depth,
        "status": status,
        "entity_type": "company" if parent is None else "person",
        **values,
    }
    with engine.begin() as conn:
        return UUID(
            str(conn.execute(insert(pipeline_runs).values(**row).returning(pipeline_runs.c.id)).scalar_one())
        )


def add_runs(engine: Engine, tenant: Tenant, submission_id: UUID, statuses: list[str]) -> list[UUID]:
    """Insert one root run per status, in entity_index order."""
    return [
        add_run(engine, tenant, submission_id, entity_index=i, status=status)
        for i, status in enumerate(statuses)
    ]


def add_step(
    engine: Engine,
    tenant: Tenant,
    run_id: UUID,
    submission_id: UUID,
    position: int,
    *,
    status: str = "succeeded",
    company: int = 0,
    **values: Any,
) -> None:
    """Insert the step result of one position of a run."""
    row = {
        "org_id": tenant.org_id,
        "company_id": tenant.company_ids[company],
        "submission_id": submission_id,
        "pipeline_run_id": run_id,
        "step_position": position,
        "operation_id": "company.enrich.profile",
        "status": status,
        **values,
    }
    with engine.begin() as conn:
        conn.execute(insert(step_results).values(**row))


def add_operation_run(
    engine: Engine, tenant: Tenant, submission_id: UUID | None, cost_usd: str, **values: Any
) -> UUID:
    """Insert an operation run (what a step's provider calls cost)."""
    run_id = uuid4()
    row = {
        "run_id": run_id,
        "org_id": tenant.org_id,
        "operation_id": "company.enrich.profile",
        "entity_type": "company",
        "status": "found",
        "submission_id": submission_id,
        "cost_usd": cost_usd,
        **values,
    }
    with engine.begin() as conn:
        conn.execute(insert(operation_runs).values(**row))
    return run_id


def add_company_entity(engine: Engine, tenant: Tenant, *, age_minutes: int = 0, **values: Any) -> UUID:
    """Insert a company entity, updated age_minutes ago."""
    entity_id = uuid4()
    stamp = datetime.now(UTC) - timedelta(minutes=age_minutes)
    row = {
        "org_id": tenant.org_id,
        "entity_id": entity_id,
        "created_at": stamp,
        "updated_at": stamp,
        **values,
    }
    with engine.begin() as conn:
        conn.execute(insert(company_entities).values(**row))
    return entity_id


def add_person_entity(engine: Engine, tenant: Tenant, *, age_minutes: int = 0, **values: Any) -> UUID:
    """Insert a person entity, updated age_minutes ago."""
    entity_id = uuid4()
    stamp = datetime.now(UTC) - timedelta(minutes=age_minutes)
    row = {
        "org_id": tenant.org_id,
        "entity_id": entity_id,
        "created_at": stamp,
        "updated_at": stamp,
        **values,
    }
    with engine.begin() as conn:
        conn.execute(insert(person_entities).values(**row))
    return entity_id


def add_timeline_event(
    engine: Engine,
    tenant: Tenant,
    entity_id: UUID,
    *,
    entity_type: str = "company",
    age_minutes: int = 0,
    event_type: str = "step_execution",
    status: str = "found",
    **values: Any,
) -> UUID:
    """Insert a timeline event of an entity, created age_minutes ago."""
    row = {
        "org_id": tenant.org_id,
        "entity_type": entity_type,
        "entity_id": entity_id,
        "event_type": event_type,
        "status": status,
        "created_at": datetime.now(UTC) - timedelta(minutes=age_minutes),
        **values,
    }
    with engine.begin() as conn:
        return UUID(
            str(
                conn.execute(
                    insert(entity_timeline).values(**row).returning(entity_timeline.c.id)
                ).scalar_one()
            )
        )


def copy_run_tree(
    engine: Engine, tenant: Tenant, submission_id: UUID, *, roots: int, children: int, grandchildren: int
) -> int:
    """COPY a succeeded three-level tree (roots, their children, theirs); return the run count."""
    buffer = io.StringIO()
    count = 0
    common = f"{tenant.org_id}\t{tenant.company_ids[0]}\t{submission_id}\t{tenant.blueprint_id}"

    def line(run_id: UUID, parent: UUID | None, index: int, depth: int, entity_type: str) -> None:
        nonlocal count
        count += 1
        parent_text = "\\N" if parent is None else str(parent)
        buffer.write(f"{run_id}\t{common}\t{parent_text}\t{index}\t{depth}\t{entity_type}\tsucceeded\n")

    for r in range(roots):
        root = uuid4()
        line(root, None, r, 0, "company")
        for c in range(children):
            child = uuid4()
            line(child, root, c, 1, "person")
            for g in range(grandchildren):
                line(uuid4(), child, g, 2, "person")
    columns = (
        "id, org_id, company_id, submission_id, blueprint_id, parent_pipeline_run_id, entity_index, depth, "
        "entity_type, status"
    )
    raw = engine.raw_connection()
    try:
        driver = raw.driver_connection
        assert driver is not None
        with driver.cursor() as cursor, cursor.copy(f"COPY pipeline_runs ({columns}) FROM STDIN") as copy:
            copy.write(buffer.getvalue())
        driver.commit()
    finally:
        raw.close()
    return count
