"""Login and identity schemas."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, StringConstraints

from api.schemas.common import RequestModel


class LoginRequest(RequestModel):
    email: Annotated[
        str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=3, max_length=254)
    ]
    password: Annotated[str, StringConstraints(min_length=1, max_length=256)]


class TokenRead(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_at: datetime


class MeRead(BaseModel):
    user_id: UUID | None
    org_id: UUID
    company_id: UUID | None
    role: str
    auth_method: str


class SuperAdminMeRead(BaseModel):
    super_admin_id: UUID
    email: str
    auth_method: str
