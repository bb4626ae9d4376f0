"""Tenant login and identity."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.deps import DbEngine, SettingsDep, Tenant
from api.openapi import errors
from api.schemas.auth import LoginRequest, MeRead, TokenRead
from api.schemas.common import Envelope, envelope
from api.services import auth as auth_service

router = APIRouter(prefix="/api/auth", tags=["auth"])


@router.post("/login", responses=errors(401), response_model=Envelope[TokenRead])
def login(body: LoginRequest, engine: DbEngine, settings: SettingsDep) -> dict[str, Any]:
    """Exchange email and password for a session JWT."""
    with engine.begin() as conn:
        token = auth_service.login_tenant(
            conn=conn, settings=settings, email=body.email, password=body.password
        )
    return envelope(token)


@router.post("/me", response_model=Envelope[MeRead])
def me(ctx: Tenant) -> dict[str, Any]:
    """Say who the bearer is."""
    return envelope(
        {
            "user_id": ctx.user_id,
            "org_id": ctx.org_id,
            "company_id": ctx.company_id,
            "role": ctx.role,
            "auth_method": ctx.auth_method,
        }
    )
