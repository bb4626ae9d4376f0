"""Webhooks: tenants' endpoints, and the events a submission's final status puts in their outbox."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, delete, insert, or_, select

from store.errors import NotFoundError
from store.repositories._rows import as_dict, as_dicts
from store.repositories.batch_status import cost_so_far, tally_runs
from store.tables import submissions, webhook_deliveries, webhooks

# Every column but the sealed secret: what a tenant may read.
_READABLE = [c for c in webhooks.c if c.name != "secret_sealed"]


def create_webhook(*, conn: Connection, values: dict[str, Any]) -> dict[str, Any]:
    """Insert a webhook (its secret already sealed) and return it without the secret."""
    return dict(conn.execute(insert(webhooks).values(**values).returning(*_READABLE)).one()._mapping)


def list_webhooks(
    *, conn: Connection, org_id: UUID, company_id: UUID | None, limit: int, offset: int
) -> list[dict[str, Any]]:
    """Return the org's webhooks (only the company's when company_id is given), oldest first."""
    query = select(*_READABLE).where(webhooks.c.org_id == org_id)
    if company_id is not None:
        query = query.where(webhooks.c.company_id == company_id)
    query = query.order_by(webhooks.c.created_at, webhooks.c.id).limit(limit).offset(offset)
    return as_dicts(conn.execute(query))


def get_webhook(*, conn: Connection, webhook_id: UUID, org_id: UUID) -> dict[str, Any]:
    """Return the org's webhook (without its secret), or raise NotFoundError."""
    query = select(*_READABLE).where(webhooks.c.id == webhook_id, webhooks.c.org_id == org_id)
    row = as_dict(conn.execute(query).first())
    if row is None:
        raise NotFoundError("webhook not found", field="id")
    return row


def delete_webhook(*, conn: Connection, webhook_id: UUID, org_id: UUID) -> None:
    """Delete the org's webhook with its deliveries and their attempts."""
    conn.execute(delete(webhooks).where(webhooks.c.id == webhook_id, webhooks.c.org_id == org_id))


def _event_data(conn: Connection, submission: dict[str, Any]) -> dict[str, Any]:
    counts, _ = tally_runs(conn=conn, submission_id=submission["id"])
    finished_at = submission["finished_at"]
    return {
        "submission_id": str(submission["id"]),
        "org_id": str(submission["org_id"]),
        "company_id": str(submission["company_id"]),
        "blueprint_id": str(submission["blueprint_id"]),
        "status": submission["status"],
        "finished_at": None if finished_at is None else finished_at.isoformat(),
        "runs": {"total": sum(counts.values()), **counts},
        "cost_usd": round(
            cost_so_far(conn=conn, submission_id=submission["id"], org_id=submission["org_id"]), 6
        ),
    }


def enqueue_submission_event(*, conn: Connection, submission_id: UUID) -> UUID | None:
    """Queue a `submission.<status>` event for every webhook that listens; return its id (None: no one).

    Called in the transaction that stores the submission's new final status, so the event exists if
    and only if that status does. Counts and cost come from the submission's tallies (a few rows).
    """
    submission = as_dict(conn.execute(select(submissions).where(submissions.c.id == submission_id)).first())
    if submission is None:
        return None
    event_type = f"submission.{submission['status']}"
    listening = conn.execute(
        select(webhooks.c.id).where(
            webhooks.c.org_id == submission["org_id"],
            or_(webhooks.c.company_id.is_(None), webhooks.c.company_id == submission["company_id"]),
            webhooks.c.events.contains([event_type]),
        )
    ).all()
    if not listening:
        return None
    event_id = uuid.uuid4()
    payload = {
        "id": str(event_id),
        "type": event_type,
        "created_at": datetime.now(UTC).isoformat(),
        "data": _event_data(conn, submission),
    }
    conn.execute(
        insert(webhook_deliveries),
        [
            {
                "org_id": submission["org_id"],
                "company_id": submission["company_id"],
                "webhook_id": row.id,
                "event_id": event_id,
                "event_type": event_type,
                "submission_id": submission_id,
                "payload": payload,
            }
            for row in listening
        ],
    )
    return event_id
