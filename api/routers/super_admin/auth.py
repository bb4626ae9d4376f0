"""Super-admin login and identity."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.deps import DbEngine, SettingsDep, SuperAdmin
from api.openapi import errors
from api.schemas.auth import LoginRequest, SuperAdminMeRead, TokenRead
from api.schemas.common import Envelope, envelope
from api.services import auth as auth_service

router = APIRouter(tags=["super-admin"])


@router.post("/login", responses=errors(401), response_model=Envelope[TokenRead])
def login(body: LoginRequest, engine: DbEngine, settings: SettingsDep) -> dict[str, Any]:
    """Exchange a super-admin's email and password for a super-admin JWT."""
    with engine.connect() as conn:
        token = auth_service.login_super_admin(
            conn=conn, settings=settings, email=body.email, password=body.password
        )
    return envelope(token)


@router.post("/me", response_model=Envelope[SuperAdminMeRead])
def me(admin: SuperAdmin) -> dict[str, Any]:
    """Say which super-admin the bearer is."""
    return envelope(
        {"super_admin_id": admin.super_admin_id, "email": admin.email, "auth_method": admin.auth_method}
    )
