"""Tenant webhooks: registered and deleted by admins, listed (with their delivery log) by anyone in scope."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.deps import DbEngine, SettingsDep, Tenant
from api.openapi import errors
from api.schemas.common import Envelope, IdRequest, Page, envelope, page_of
from api.schemas.webhooks import (
    DeliveryList,
    DeliveryPage,
    WebhookCreate,
    WebhookCreated,
    WebhookDeleted,
    WebhookList,
    WebhookRead,
)
from api.services import webhooks as webhook_service
from store.repositories import webhooks

router = APIRouter(prefix="/api/webhooks", tags=["webhooks"])


@router.post("/create", responses=errors(403), response_model=Envelope[WebhookCreated])
def create(body: WebhookCreate, ctx: Tenant, engine: DbEngine, settings: SettingsDep) -> dict[str, Any]:
    """Register a webhook; the answer carries its signing secret, shown this once."""
    ctx.require_writer()
    company_id = ctx.scoped_company(body.company_id)
    webhook_service.check_url(body.url, settings)
    with engine.begin() as conn:
        row = webhook_service.create_webhook(
            conn=conn,
            settings=settings,
            body=body,
            org_id=ctx.org_id,
            company_id=company_id,
            created_by_user_id=ctx.user_id,
        )
    return envelope(row)


@router.post("/list", responses=errors(403), response_model=Envelope[Page[WebhookRead]])
def list_(body: WebhookList, ctx: Tenant, engine: DbEngine) -> dict[str, Any]:
    """List the webhooks in scope, oldest first (never their secrets)."""
    with engine.connect() as conn:
        rows = webhooks.list_webhooks(
            conn=conn,
            org_id=ctx.org_id,
            company_id=ctx.scoped_company(body.company_id),
            limit=body.probe_limit,
            offset=body.offset,
        )
    return envelope(page_of(rows, body))


@router.post("/delete", responses=errors(403, 404), response_model=Envelope[WebhookDeleted])
def delete(body: IdRequest, ctx: Tenant, engine: DbEngine) -> dict[str, Any]:
    """Delete a webhook with its delivery log; what it had pending is not sent."""
    ctx.require_writer()
    with engine.begin() as conn:
        row = webhook_service.delete_webhook(
            conn=conn, webhook_id=body.id, org_id=ctx.org_id, pinned_company=ctx.scoped_company(None)
        )
    return envelope(row)


@router.post("/deliveries", responses=errors(403), response_model=Envelope[DeliveryPage])
def deliveries(body: DeliveryList, ctx: Tenant, engine: DbEngine) -> dict[str, Any]:
    """List deliveries, newest first, each with every attempt made."""
    with engine.connect() as conn:
        page = webhook_service.list_deliveries(
            conn=conn, body=body, org_id=ctx.org_id, pinned_company=ctx.scoped_company(None)
        )
    return envelope(page)
