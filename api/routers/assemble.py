"""POST /api/blueprints/assemble: a goal in, a validated blueprint out (stored when asked, by admins)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from api.auth.context import AuthContext
from api.deps import DbEngine, GatewayCaller, SettingsDep, Tenant
from api.openapi import errors
from api.schemas.assemble import AssembleAnswer, AssembleRequest
from api.schemas.common import Envelope, envelope
from api.services import assemble as assemble_service
from api.services import blueprints as blueprint_service
from api.services.goal_reading import Reading
from blueprints.goal import Goal
from config import Settings

router = APIRouter(prefix="/api/blueprints", tags=["blueprints"])


@router.post("/assemble", responses=errors(400, 403, 409, 503), response_model=Envelope[AssembleAnswer])
async def assemble(
    body: AssembleRequest, ctx: Tenant, engine: DbEngine, settings: SettingsDep, caller: GatewayCaller
) -> dict[str, Any]:
    """Plan a blueprint for a goal: its steps and why, its cost per entity, what it cannot do."""
    if body.save:
        ctx.require_writer()
    goal, reading = await assemble_service.structured_goal(body, settings.providers, caller)
    return await run_in_threadpool(_plan_and_save, body, goal, reading, ctx, engine, settings)


def _plan_and_save(
    body: AssembleRequest,
    goal: Goal,
    reading: Reading | None,
    ctx: AuthContext,
    engine: Engine,
    settings: Settings,
) -> dict[str, Any]:
    with engine.connect() as conn:
        planned = assemble_service.plan(
            conn=conn, goal=goal, body=body, org_id=ctx.org_id, providers=settings.providers
        )
    create = assemble_service.blueprint_create(body, goal, planned)
    answer = assemble_service.answer_of(goal, reading, create, planned)
    if body.save:
        with engine.begin() as conn:
            answer["saved"] = blueprint_service.create_blueprint(
                conn=conn, body=create, org_id=ctx.org_id, created_by_user_id=ctx.user_id
            )
    return envelope(answer)
