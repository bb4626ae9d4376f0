"""Tenant users; password hashes never leave this module's callers in a response."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import Connection, insert, select, update

from store.errors import NotFoundError, integrity_errors
from store.repositories._rows import as_dict, as_dicts
from store.tables import orgs, users

# Every column but the hash: what any read may return.
PUBLIC_COLUMNS = [c for c in users.c if c.name != "password_hash"]


def create_user(
    *,
    conn: Connection,
    org_id: UUID,
    email: str,
    password_hash: str,
    role: str,
    company_id: UUID | None,
    full_name: str | None,
) -> dict[str, Any]:
    """Insert a user (email already normalized)."""
    values = {
        "org_id": org_id,
        "email": email,
        "password_hash": password_hash,
        "role": role,
        "company_id": company_id,
        "full_name": full_name,
    }
    with integrity_errors():
        row = conn.execute(insert(users).values(**values).returning(*PUBLIC_COLUMNS)).one()
    return dict(row._mapping)


def get_user(
    *, conn: Connection, user_id: UUID, org_id: UUID | None, company_id: UUID | None = None
) -> dict[str, Any]:
    """Return the user (scoped to org and, when given, company) or raise NotFoundError."""
    query = select(*PUBLIC_COLUMNS).where(users.c.id == user_id)
    if org_id is not None:
        query = query.where(users.c.org_id == org_id)
    if company_id is not None:
        query = query.where(users.c.company_id == company_id)
    row = as_dict(conn.execute(query).first())
    if row is None:
        raise NotFoundError("user not found")
    return row


def list_users(
    *, conn: Connection, org_id: UUID | None, company_id: UUID | None, limit: int, offset: int
) -> list[dict[str, Any]]:
    """Return users of org_id (all when None), optionally of one company."""
    query = select(*PUBLIC_COLUMNS)
    if org_id is not None:
        query = query.where(users.c.org_id == org_id)
    if company_id is not None:
        query = query.where(users.c.company_id == company_id)
    query = query.order_by(users.c.created_at.desc(), users.c.id).limit(limit).offset(offset)
    return as_dicts(conn.execute(query))


def deactivate_user(*, conn: Connection, user_id: UUID) -> dict[str, Any]:
    """Mark the user inactive; every credential of theirs stops working at once."""
    query = update(users).where(users.c.id == user_id).values(is_active=False).returning(*PUBLIC_COLUMNS)
    row = as_dict(conn.execute(query).first())
    if row is None:
        raise NotFoundError("user not found")
    return row


def find_login_user(*, conn: Connection, email: str) -> dict[str, Any] | None:
    """Return the active user of an active org with this email, hash included, for login."""
    query = (
        select(users)
        .join(orgs, orgs.c.id == users.c.org_id)
        .where(users.c.email == email, users.c.is_active.is_(True), orgs.c.is_active.is_(True))
    )
    return as_dict(conn.execute(query).first())


def get_active_principal(*, conn: Connection, user_id: UUID) -> dict[str, Any] | None:
    """Return the user's current org, company and role if the user and the org are active."""
    query = (
        select(users.c.id, users.c.org_id, users.c.company_id, users.c.role, users.c.email)
        .join(orgs, orgs.c.id == users.c.org_id)
        .where(users.c.id == user_id, users.c.is_active.is_(True), orgs.c.is_active.is_(True))
    )
    return as_dict(conn.execute(query).first())


def find_user_by_email(*, conn: Connection, email: str) -> dict[str, Any] | None:
    """Return the user with this email (no hash), if any."""
    return as_dict(conn.execute(select(*PUBLIC_COLUMNS).where(users.c.email == email)).first())
