"""Resolve a bearer credential to an AuthContext (tenant) or SuperAdminContext."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Literal
from uuid import UUID

from sqlalchemy import Engine

from api.auth.tokens import (
    SUPER_ADMIN_TOKEN_TYPE,
    TENANT_TOKEN_TYPE,
    TokenError,
    claim_uuid,
    decode_jwt,
    hash_api_token,
    looks_like_jwt,
)
from api.errors import forbidden, unauthorized
from config import Settings
from store.errors import NotFoundError
from store.repositories import api_tokens, companies, orgs, super_admins, users

Role = Literal["org_admin", "company_admin", "member"]
AuthMethod = Literal["jwt", "api_token", "internal"]
NIL_UUID = UUID(int=0)


@dataclass(frozen=True)
class AuthContext:
    """Who a tenant caller is, as the database says now (not as a token once said)."""

    org_id: UUID
    role: Role
    auth_method: AuthMethod
    user_id: UUID | None = None
    company_id: UUID | None = None

    @property
    def is_org_admin(self) -> bool:
        return self.role == "org_admin"

    def scoped_company(self, requested: UUID | None) -> UUID | None:
        """Return the company to filter on: a pinned caller gets theirs, and may ask for no other."""
        if self.is_org_admin:
            return requested
        if self.company_id is None:
            raise forbidden("This role needs a company")
        if requested is not None and requested != self.company_id:
            raise forbidden("Forbidden company access")
        return self.company_id

    def require_org_admin(self) -> None:
        """Refuse anyone but an org admin."""
        if not self.is_org_admin:
            raise forbidden("Only an org_admin may do this")

    def require_writer(self) -> None:
        """Refuse members: only admins change shared configuration such as blueprints."""
        if self.role == "member":
            raise forbidden("Members have read-only access")


@dataclass(frozen=True)
class SuperAdminContext:
    """The operator: by static API key (nil id) or by super-admin JWT."""

    super_admin_id: UUID
    email: str
    auth_method: Literal["api_key", "jwt"]


def bearer_token(authorization: str | None) -> str:
    """Return the token of an `Authorization: Bearer …` header, or raise 401."""
    if not authorization:
        raise unauthorized("Missing bearer token")
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise unauthorized("Authorization must be 'Bearer <token>'")
    return token


def _matches(token: str, secret: object) -> bool:
    value = getattr(secret, "get_secret_value", None)
    return value is not None and hmac.compare_digest(token.encode(), value().encode())


def resolve_tenant(
    token: str, *, engine: Engine, settings: Settings, internal_org: str | None, internal_company: str | None
) -> AuthContext:
    """Authenticate a tenant bearer: internal key, session JWT, then API token."""
    if _matches(token, settings.auth.internal_api_key):
        return _internal_context(engine, internal_org, internal_company)
    if looks_like_jwt(token):
        return _jwt_context(token, engine=engine, settings=settings)
    with engine.begin() as conn:
        row = api_tokens.authenticate_api_token(conn=conn, token_hash=hash_api_token(token))
    if row is None:
        raise unauthorized()
    return AuthContext(
        org_id=row["org_id"],
        role=row["role"],
        auth_method="api_token",
        user_id=row["user_id"],
        company_id=row["company_id"],
    )


def _jwt_context(token: str, *, engine: Engine, settings: Settings) -> AuthContext:
    secret = settings.auth.jwt_secret
    assert secret is not None
    try:
        claims = decode_jwt(token, secret=secret.get_secret_value(), token_type=TENANT_TOKEN_TYPE)
        user_id = claim_uuid(claims, "sub", "user_id")
        claimed_org = claim_uuid(claims, "org_id")
    except TokenError as exc:
        raise unauthorized() from exc
    with engine.connect() as conn:
        principal = users.get_active_principal(conn=conn, user_id=user_id)
    # Role and company come from the row, so a change or deactivation applies to live tokens at once.
    if principal is None or principal["org_id"] != claimed_org:
        raise unauthorized()
    return AuthContext(
        org_id=principal["org_id"],
        role=principal["role"],
        auth_method="jwt",
        user_id=principal["id"],
        company_id=principal["company_id"],
    )


def _internal_context(engine: Engine, org_header: str | None, company_header: str | None) -> AuthContext:
    try:
        org_id = UUID(org_header or "")
        company_id = UUID(company_header) if company_header else None
    except ValueError as exc:
        raise unauthorized("x-internal-org-id (and x-internal-company-id) must be UUIDs") from exc
    with engine.connect() as conn:
        try:
            org = orgs.get_org(conn=conn, org_id=org_id)
        except NotFoundError as exc:
            raise unauthorized() from exc
        if not org["is_active"]:
            raise unauthorized()
        if company_id is not None and not companies.company_in_org(
            conn=conn, company_id=company_id, org_id=org_id
        ):
            raise unauthorized()
    return AuthContext(org_id=org_id, role="org_admin", auth_method="internal", company_id=company_id)


def resolve_super_admin(token: str, *, engine: Engine, settings: Settings) -> SuperAdminContext:
    """Authenticate the super-admin API key or a super-admin JWT."""
    if _matches(token, settings.auth.super_admin_api_key):
        return SuperAdminContext(super_admin_id=NIL_UUID, email="api-key@super-admin", auth_method="api_key")
    if not looks_like_jwt(token):
        raise unauthorized()
    secret = settings.auth.super_admin_jwt_secret
    assert secret is not None
    try:
        claims = decode_jwt(token, secret=secret.get_secret_value(), token_type=SUPER_ADMIN_TOKEN_TYPE)
        admin_id = claim_uuid(claims, "sub", "super_admin_id")
        email = str(claims.get("email", ""))
    except TokenError as exc:
        raise unauthorized() from exc
    with engine.connect() as conn:
        row = super_admins.get_active_super_admin(conn=conn, super_admin_id=admin_id, email=email)
    if row is None:
        raise unauthorized()
    return SuperAdminContext(super_admin_id=row["id"], email=row["email"], auth_method="jwt")
