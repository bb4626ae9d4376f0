"""Logins and API-token issuance."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import Connection

from api.auth.passwords import verify_password
from api.auth.tokens import (
    SUPER_ADMIN_TOKEN_TYPE,
    TENANT_TOKEN_TYPE,
    hash_api_token,
    issue_jwt,
    new_api_token,
)
from api.errors import unauthorized
from config import Settings
from store.repositories import api_tokens, super_admins, users


def login_tenant(*, conn: Connection, settings: Settings, email: str, password: str) -> dict[str, Any]:
    """Check the credentials of an active user and issue a session JWT; any failure is one 401."""
    user = users.find_login_user(conn=conn, email=email)
    # Verify even when no user matched, so timing does not reveal which emails exist.
    password_ok = verify_password(password, user["password_hash"] if user else None)
    if user is None or not password_ok:
        raise unauthorized()
    claims = {
        "type": TENANT_TOKEN_TYPE,
        "sub": str(user["id"]),
        "user_id": str(user["id"]),
        "org_id": str(user["org_id"]),
        "company_id": str(user["company_id"]) if user["company_id"] else None,
        "role": user["role"],
    }
    assert settings.auth.jwt_secret is not None
    token, expires_at = issue_jwt(
        claims,
        secret=settings.auth.jwt_secret.get_secret_value(),
        ttl=timedelta(minutes=settings.auth.jwt_ttl_minutes),
    )
    return {"access_token": token, "token_type": "bearer", "expires_at": expires_at}


def login_super_admin(*, conn: Connection, settings: Settings, email: str, password: str) -> dict[str, Any]:
    """Check a super-admin's credentials and issue a super-admin JWT."""
    admin = super_admins.find_super_admin_by_email(conn=conn, email=email)
    password_ok = verify_password(password, admin["password_hash"] if admin else None)
    if admin is None or not password_ok:
        raise unauthorized()
    if not admin["is_active"]:
        raise unauthorized("Super admin is inactive")
    claims = {
        "type": SUPER_ADMIN_TOKEN_TYPE,
        "sub": str(admin["id"]),
        "super_admin_id": str(admin["id"]),
        "email": admin["email"],
    }
    assert settings.auth.super_admin_jwt_secret is not None
    token, expires_at = issue_jwt(
        claims,
        secret=settings.auth.super_admin_jwt_secret.get_secret_value(),
        ttl=timedelta(minutes=settings.auth.super_admin_jwt_ttl_minutes),
    )
    return {"access_token": token, "token_type": "bearer", "expires_at": expires_at}


def issue_api_token(
    *,
    conn: Connection,
    user_id: UUID,
    name: str,
    expires_at: datetime | None,
    issued_by: UUID | None,
) -> dict[str, Any]:
    """Create a token for the user; the plaintext is in the answer and nowhere else."""
    user = users.get_user(conn=conn, user_id=user_id, org_id=None)
    token = new_api_token()
    row = api_tokens.create_api_token(
        conn=conn,
        org_id=user["org_id"],
        user_id=user_id,
        name=name,
        token_hash=hash_api_token(token),
        expires_at=expires_at,
        created_by_super_admin_id=issued_by,
    )
    return {**row, "token": token}
