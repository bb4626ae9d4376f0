"""Webhook deliveries: claimed by deliverers (several processes may poll), their attempts, their log."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, func, literal, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from config.vocabulary import DeliveryStatus
from store.repositories._rows import as_dicts
from store.tables import webhook_attempts, webhook_deliveries, webhooks


def claim_due(*, conn: Connection, limit: int, lease_s: float) -> list[dict[str, Any]]:
    """Claim up to limit due deliveries for one attempt each, with their webhook's URL and sealed secret.

    A claim pushes the delivery's next_attempt_at past the lease and counts the attempt, then
    commits with the caller's transaction: no lock is held while the request is out, another
    deliverer skips what this one claimed, and a claim whose process died is due again after the lease.
    """
    d = webhook_deliveries
    due = (
        select(d.c.id)
        .where(d.c.status == DeliveryStatus.PENDING, d.c.next_attempt_at <= func.now())
        .order_by(d.c.next_attempt_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    claimed = (
        update(d)
        .where(d.c.id.in_(due), webhooks.c.id == d.c.webhook_id)
        .values(
            attempt_count=d.c.attempt_count + 1,
            next_attempt_at=func.now() + timedelta(seconds=lease_s),
            updated_at=func.now(),
        )
        .returning(
            d.c.id,
            d.c.org_id,
            d.c.webhook_id,
            d.c.event_id,
            d.c.event_type,
            d.c.payload,
            d.c.attempt_count,
            d.c.created_at,
            webhooks.c.url,
            webhooks.c.secret_sealed,
        )
    )
    return as_dicts(conn.execute(claimed))


def record_attempt(
    *,
    conn: Connection,
    delivery_id: UUID,
    attempt_number: int,
    status_code: int | None,
    error: str | None,
    duration_ms: int,
    status: DeliveryStatus,
    next_attempt_at: datetime | None,
) -> bool:
    """Record one attempt and the delivery's new state (pending with its next try, delivered or failed).

    Returns False, leaving the state alone, when the claim had lapsed and another deliverer has
    taken the delivery since (the attempt is recorded all the same: it was made).
    """
    d = webhook_deliveries
    conn.execute(
        pg_insert(webhook_attempts)
        .from_select(
            ["delivery_id", "attempt_number", "org_id", "status_code", "error", "duration_ms"],
            select(
                d.c.id,
                literal(attempt_number),
                d.c.org_id,
                literal(status_code, webhook_attempts.c.status_code.type),
                literal(error, webhook_attempts.c.error.type),
                literal(duration_ms),
            ).where(d.c.id == delivery_id),
        )
        .on_conflict_do_nothing()
    )
    values: dict[str, Any] = {
        "status": status,
        "last_status_code": status_code,
        "last_error": error,
        "updated_at": func.now(),
    }
    if next_attempt_at is not None:
        values["next_attempt_at"] = next_attempt_at
    if status == DeliveryStatus.DELIVERED:
        values["delivered_at"] = func.now()
    result = conn.execute(
        update(d)
        .where(
            d.c.id == delivery_id, d.c.status == DeliveryStatus.PENDING, d.c.attempt_count == attempt_number
        )
        .values(**values)
    )
    return bool(result.rowcount)


def list_deliveries(
    *,
    conn: Connection,
    org_id: UUID,
    webhook_company_id: UUID | None,
    webhook_id: UUID | None,
    submission_id: UUID | None,
    status: str | None,
    after: tuple[datetime, UUID] | None,
    limit: int,
) -> list[dict[str, Any]]:
    """Return the org's deliveries, newest first, each with its attempts in order.

    webhook_company_id keeps only deliveries of that company's webhooks (a company-scoped caller's
    view); `after` is the (created_at, id) of the last delivery of the previous page.
    """
    d = webhook_deliveries
    query = select(d).where(d.c.org_id == org_id)
    if webhook_company_id is not None:
        query = query.join(webhooks, webhooks.c.id == d.c.webhook_id).where(
            webhooks.c.company_id == webhook_company_id
        )
    if webhook_id is not None:
        query = query.where(d.c.webhook_id == webhook_id)
    if submission_id is not None:
        query = query.where(d.c.submission_id == submission_id)
    if status is not None:
        query = query.where(d.c.status == status)
    if after is not None:
        query = query.where(tuple_(d.c.created_at, d.c.id) < tuple_(after[0], after[1]))
    rows = as_dicts(conn.execute(query.order_by(d.c.created_at.desc(), d.c.id.desc()).limit(limit)))
    attempts = _attempts(conn, [row["id"] for row in rows])
    return [{**row, "attempts": attempts.get(row["id"], [])} for row in rows]


def _attempts(conn: Connection, delivery_ids: Sequence[UUID]) -> dict[UUID, list[dict[str, Any]]]:
    if not delivery_ids:
        return {}
    a = webhook_attempts
    found: dict[UUID, list[dict[str, Any]]] = {}
    query = (
        select(a).where(a.c.delivery_id.in_(list(delivery_ids))).order_by(a.c.delivery_id, a.c.attempt_number)
    )
    for row in as_dicts(conn.execute(query)):
        del row["org_id"]
        found.setdefault(row.pop("delivery_id"), []).append(row)
    return found
