"""POST /api/v1/execute: one operation for one entity, through the rate-limited provider gateways."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from api.deps import DbEngine, GatewayCaller, SettingsDep, Tenant
from api.errors import ApiError
from api.schemas.common import Envelope, envelope
from api.schemas.execute import ExecuteRequest, OperationList, OpResultRead
from api.services import execution

router = APIRouter(tags=["operations"])


@router.post("/api/v1/execute", response_model=Envelope[OpResultRead])
async def execute(
    body: ExecuteRequest, ctx: Tenant, engine: DbEngine, settings: SettingsDep, caller: GatewayCaller
) -> dict[str, Any]:
    """Run an operation; its status, output and every provider attempt come back, and are recorded."""
    spec = execution.resolve_operation(body.operation_id, body.entity_type)
    company_id = ctx.scoped_company(body.company_id)
    if company_id is not None:
        await run_in_threadpool(execution.check_company, engine, ctx.org_id, company_id)
    result = await execution.run(spec, body.input, body.options, caller=caller, settings=settings)
    await run_in_threadpool(execution.record, engine, result, ctx, company_id, body.input)
    return envelope(result.to_api())


@router.post("/api/operations/list", response_model=Envelope[list[dict[str, Any]]])
def list_operations(body: OperationList, _: Tenant) -> dict[str, Any]:
    """List every operation with its inputs, outputs, providers and policy."""
    specs = execution.catalogue(body.entity_type)
    if not specs:
        raise ApiError(404, "no operations match")
    return envelope(specs)
