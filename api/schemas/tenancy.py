"""Orgs, companies, users and API tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field, model_validator

from api.schemas.common import (
    Email,
    Id,
    IdRequest,
    IsoDateTime,
    Name,
    PageRequest,
    Password,
    RequestModel,
    Slug,
)

Role = Literal["org_admin", "company_admin", "member"]


class OrgCreate(RequestModel):
    name: Name
    slug: Slug


class OrgUpdate(IdRequest):
    name: Name | None = None
    slug: Slug | None = None
    is_active: bool | None = None
    monthly_budget_usd: float | None = Field(
        default=None,
        ge=0,
        le=1e9,
        description="What the org may spend on providers per calendar month (UTC); null removes the cap.",
    )


class OrgRead(BaseModel):
    id: UUID
    name: str
    slug: str
    is_active: bool
    monthly_budget_usd: float | None = None
    created_at: datetime
    updated_at: datetime


class CompanyCreate(RequestModel):
    org_id: Id
    name: Name
    domain: Name | None = None
    external_ref: Name | None = None


class CompanyListAll(PageRequest):
    org_id: Id | None = None


class CompanyRead(BaseModel):
    id: UUID
    org_id: UUID
    name: str
    domain: str | None
    external_ref: str | None
    is_active: bool
    created_at: datetime
    updated_at: datetime


class UserCreate(RequestModel):
    org_id: Id
    email: Email
    password: Password
    role: Role
    company_id: Id | None = None
    full_name: Name | None = None

    @model_validator(mode="after")
    def _scoped_roles_have_a_company(self) -> UserCreate:
        if self.role != "org_admin" and self.company_id is None:
            raise ValueError(f"company_id is required for role {self.role}")
        return self


class UserListAll(PageRequest):
    org_id: Id | None = None
    company_id: Id | None = None


class UserList(PageRequest):
    company_id: Id | None = None


class UserRead(BaseModel):
    id: UUID
    org_id: UUID
    company_id: UUID | None
    email: str
    full_name: str | None
    role: str
    is_active: bool
    created_at: datetime
    updated_at: datetime


class ApiTokenCreate(RequestModel):
    user_id: Id
    name: Name
    expires_at: IsoDateTime | None = None

    @model_validator(mode="after")
    def _expiry_is_future_and_aware(self) -> ApiTokenCreate:
        if self.expires_at is not None:
            if self.expires_at.tzinfo is None:
                raise ValueError("expires_at must carry a timezone")
            if self.expires_at <= datetime.now(self.expires_at.tzinfo):
                raise ValueError("expires_at must be in the future")
        return self


class ApiTokenList(PageRequest):
    org_id: Id | None = None
    user_id: Id | None = None


class ApiTokenRead(BaseModel):
    id: UUID
    org_id: UUID
    user_id: UUID
    name: str
    created_by_super_admin_id: UUID | None
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None
    created_at: datetime


class ApiTokenIssued(ApiTokenRead):
    token: str
