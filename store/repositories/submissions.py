"""Submissions: one batch of entities run against a blueprint."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import Connection, func, insert, select

from store.errors import NotFoundError
from store.repositories._rows import as_dict, as_dicts
from store.tables import RUN_STATUSES, pipeline_runs, submissions


def create_submission(*, conn: Connection, values: dict[str, Any]) -> dict[str, Any]:
    """Insert a submission row (the batch engine adds its runs in the same transaction)."""
    return dict(conn.execute(insert(submissions).values(**values).returning(*submissions.c)).one()._mapping)


def list_submissions(
    *,
    conn: Connection,
    org_id: UUID,
    company_id: UUID | None,
    blueprint_id: UUID | None,
    status: str | None,
    limit: int,
    offset: int,
) -> list[dict[str, Any]]:
    """Return the org's submissions, newest first, with optional filters."""
    query = select(submissions).where(submissions.c.org_id == org_id)
    if company_id is not None:
        query = query.where(submissions.c.company_id == company_id)
    if blueprint_id is not None:
        query = query.where(submissions.c.blueprint_id == blueprint_id)
    if status is not None:
        query = query.where(submissions.c.status == status)
    query = query.order_by(submissions.c.created_at.desc(), submissions.c.id).limit(limit).offset(offset)
    return as_dicts(conn.execute(query))


def find_submission(*, conn: Connection, submission_id: UUID) -> dict[str, Any] | None:
    """Return a submission of any org (the operator's command line), or None."""
    row = conn.execute(select(submissions).where(submissions.c.id == submission_id)).first()
    return None if row is None else dict(row._mapping)


def get_submission(*, conn: Connection, submission_id: UUID, org_id: UUID) -> dict[str, Any]:
    """Return the submission with its run counts by status, or raise NotFoundError."""
    row = as_dict(
        conn.execute(
            select(submissions).where(submissions.c.id == submission_id, submissions.c.org_id == org_id)
        ).first()
    )
    if row is None:
        raise NotFoundError("submission not found")
    counts = dict.fromkeys(RUN_STATUSES, 0)
    query = (
        select(pipeline_runs.c.status, func.count())
        .where(pipeline_runs.c.submission_id == submission_id, pipeline_runs.c.org_id == org_id)
        .group_by(pipeline_runs.c.status)
    )
    for status, count in conn.execute(query):
        counts[status] = count
    return {**row, "run_counts": counts}
