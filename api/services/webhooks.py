"""Webhook registrations and their delivery log, as a tenant manages and reads them."""

from __future__ import annotations

import base64
import binascii
import uuid
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Connection

from api.errors import ApiError, forbidden
from api.schemas.webhooks import DeliveryList, WebhookCreate
from api.services.secret_box import webhook_secret_box
from api.services.webhook_signing import new_secret
from api.services.webhook_targets import TargetRefused, check_target
from config import Settings
from config.vocabulary import DeliveryStatus
from store.errors import InvalidReferenceError
from store.repositories import companies, webhook_deliveries, webhooks


def secret_context(webhook_id: UUID) -> str:
    """Return what a webhook's sealed secret is bound to (its row)."""
    return f"webhook:{webhook_id}"


def check_url(url: str, settings: Settings) -> None:
    """Refuse (422, on `url`) a URL a webhook may not point to; resolves its host (blocking)."""
    try:
        check_target(url, allow_loopback=settings.is_development)
    except TargetRefused as exc:
        message = f"url: {exc}"
        raise ApiError(422, message, details=[{"field": "url", "message": str(exc)}]) from None


def create_webhook(
    *,
    conn: Connection,
    settings: Settings,
    body: WebhookCreate,
    org_id: UUID,
    company_id: UUID | None,
    created_by_user_id: UUID | None,
) -> dict[str, Any]:
    """Store a webhook with a new signing secret, sealed; answer the row and the secret (this once)."""
    in_org = company_id is None or companies.company_in_org(conn=conn, company_id=company_id, org_id=org_id)
    if not in_org:
        raise InvalidReferenceError("company_id does not belong to this org", field="company_id")
    webhook_id = uuid.uuid4()
    secret = new_secret()
    row = webhooks.create_webhook(
        conn=conn,
        values={
            "id": webhook_id,
            "org_id": org_id,
            "company_id": company_id,
            "url": body.url,
            "events": body.events,
            "description": body.description,
            "secret_sealed": webhook_secret_box(settings).seal(secret, context=secret_context(webhook_id)),
            "created_by_user_id": created_by_user_id,
        },
    )
    return {**row, "secret": secret}


def _in_scope(row: dict[str, Any], pinned_company: UUID | None) -> None:
    # A company-scoped caller owns its company's webhooks only, not the org-wide ones.
    if pinned_company is not None and row["company_id"] != pinned_company:
        raise forbidden("Forbidden company access")


def delete_webhook(
    *, conn: Connection, webhook_id: UUID, org_id: UUID, pinned_company: UUID | None
) -> dict[str, Any]:
    """Delete the webhook, with its deliveries; pending ones are not sent."""
    _in_scope(webhooks.get_webhook(conn=conn, webhook_id=webhook_id, org_id=org_id), pinned_company)
    webhooks.delete_webhook(conn=conn, webhook_id=webhook_id, org_id=org_id)
    return {"id": webhook_id, "deleted": True}


def _encode_cursor(row: dict[str, Any]) -> str:
    raw = f"{row['created_at'].isoformat()}|{row['id']}"
    return base64.urlsafe_b64encode(raw.encode()).decode()


def _decode_cursor(cursor: str) -> tuple[datetime, UUID]:
    try:
        stamp, _, ident = base64.urlsafe_b64decode(cursor.encode()).decode().partition("|")
        return datetime.fromisoformat(stamp), UUID(ident)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        message = "cursor: not a cursor this endpoint gave"
        raise ApiError(422, message, details=[{"field": "cursor", "message": message}]) from None


def list_deliveries(
    *, conn: Connection, body: DeliveryList, org_id: UUID, pinned_company: UUID | None
) -> dict[str, Any]:
    """Return a page of the org's deliveries (a pinned caller's: its company's webhooks'), newest first."""
    rows = webhook_deliveries.list_deliveries(
        conn=conn,
        org_id=org_id,
        webhook_company_id=pinned_company,
        webhook_id=body.webhook_id,
        submission_id=body.submission_id,
        status=body.status,
        after=None if body.cursor is None else _decode_cursor(body.cursor),
        limit=body.limit + 1,
    )
    items = rows[: body.limit]
    for item in items:
        if item["status"] != DeliveryStatus.PENDING:
            item["next_attempt_at"] = None
    more = len(rows) > body.limit
    return {"items": items, "next_cursor": _encode_cursor(items[-1]) if more else None}
