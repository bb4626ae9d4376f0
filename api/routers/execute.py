"""POST /api/v1/execute: one operation for one entity, through the rate-limited provider gateways."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from api.deps import DbEngine, GatewayCaller, SettingsDep, Tenant
from api.errors import ApiError
from api.openapi import errors
from api.schemas.common import Envelope, envelope
from api.schemas.execute import ExecuteRequest, OperationList, OpResultRead
from api.services import execution
from cluster.budget import BudgetBook, journal_spent
from operations.runtime import BudgetExhausted

router = APIRouter(tags=["operations"])


def local_budget_book(request: Request, engine: Engine) -> BudgetBook:
    """The API's own budget book, for when no Ray cluster is up (caps then hold within this process)."""
    book: BudgetBook | None = getattr(request.app.state, "budget_book", None)
    if book is None:
        book = request.app.state.budget_book = BudgetBook(lambda key: journal_spent(engine, key))
    return book


@router.post("/api/v1/execute", responses=errors(402, 403, 404), response_model=Envelope[OpResultRead])
async def execute(
    request: Request,
    body: ExecuteRequest,
    ctx: Tenant,
    engine: DbEngine,
    settings: SettingsDep,
    caller: GatewayCaller,
) -> dict[str, Any]:
    """Run an operation; its status, output and every provider attempt come back, and are recorded."""
    spec = execution.resolve_operation(body.operation_id, body.entity_type)
    company_id = ctx.scoped_company(body.company_id)
    if company_id is not None:
        await run_in_threadpool(execution.check_company, engine, ctx.org_id, company_id)
    capped = await run_in_threadpool(
        execution.budgeted, engine, caller, ctx.org_id, settings, local_budget_book(request, engine)
    )
    try:
        result = await execution.run(
            spec, body.input, body.options, caller=capped or caller, settings=settings
        )
    except BudgetExhausted as exc:
        raise ApiError(402, f"the org's monthly budget is reached: {exc}", code="budget_exhausted") from None
    finally:
        if capped is not None:
            await capped.close()
    await run_in_threadpool(execution.record, engine, result, ctx, company_id, body.input)
    return envelope(result.to_api())


@router.post("/api/operations/list", responses=errors(404), response_model=Envelope[list[dict[str, Any]]])
def list_operations(body: OperationList, _: Tenant, settings: SettingsDep) -> dict[str, Any]:
    """List every operation with its inputs, outputs, providers (and those lacking credentials) and policy."""
    specs = execution.catalogue(body.entity_type, settings.providers)
    if not specs:
        raise ApiError(404, "no operations match")
    return envelope(specs)
