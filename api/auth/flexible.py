"""The flexible caller of the batch and entity reads: a tenant, else the super-admin naming an org."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from uuid import UUID

from fastapi import Depends, Request

from api.auth.context import AuthContext, SuperAdminContext, bearer_token, resolve_super_admin, resolve_tenant
from api.deps import BearerDoc, DbEngine, SettingsDep
from api.errors import ApiError, forbidden


@dataclass(frozen=True)
class FlexibleCaller:
    """Exactly one of tenant or super_admin is set."""

    tenant: AuthContext | None = None
    super_admin: SuperAdminContext | None = None

    @property
    def is_super_admin(self) -> bool:
        return self.super_admin is not None

    def org_id(self, requested: UUID | None, field: str = "org_id") -> UUID:
        """Return the org to read: a tenant's own, or the one a super-admin must name in the body."""
        if self.tenant is not None:
            if requested is not None and requested != self.tenant.org_id:
                raise forbidden(f"{field} must be the caller's own org")
            return self.tenant.org_id
        if requested is None:
            # §12.10: the old system answered 500 here; the caller gets a 422 naming the field.
            message = f"{field} is required when calling as the super-admin"
            raise ApiError(422, message, details=[{"field": field, "message": message, "type": "missing"}])
        return requested

    def scoped_company(self, requested: UUID | None) -> UUID | None:
        """Return the company to filter on: a pinned tenant gets theirs; the super-admin what it asks."""
        if self.tenant is not None:
            return self.tenant.scoped_company(requested)
        return requested


def _flexible(request: Request, _: BearerDoc, engine: DbEngine, settings: SettingsDep) -> FlexibleCaller:
    token = bearer_token(request.headers.get("authorization"))
    try:
        return FlexibleCaller(
            tenant=resolve_tenant(
                token,
                engine=engine,
                settings=settings,
                internal_org=request.headers.get("x-internal-org-id"),
                internal_company=request.headers.get("x-internal-company-id"),
            )
        )
    except ApiError as tenant_error:
        if tenant_error.status != 401:
            raise
        try:
            return FlexibleCaller(super_admin=resolve_super_admin(token, engine=engine, settings=settings))
        except ApiError:
            # Neither kind of caller: answer what the tenant check said (it is the more specific one).
            raise tenant_error from None


TenantOrSuperAdmin = Annotated[FlexibleCaller, Depends(_flexible)]
