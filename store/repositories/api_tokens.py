"""Tenant API tokens: stored only as sha256 hashes, tied to a user, revocable."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, func, insert, or_, select, text, update

from store.errors import NotFoundError, integrity_errors
from store.repositories._rows import as_dict, as_dicts
from store.tables import api_tokens, orgs, users

PUBLIC_COLUMNS = [c for c in api_tokens.c if c.name != "token_hash"]


def create_api_token(
    *,
    conn: Connection,
    org_id: UUID,
    user_id: UUID,
    name: str,
    token_hash: str,
    expires_at: datetime | None,
    created_by_super_admin_id: UUID | None,
) -> dict[str, Any]:
    """Insert a token row holding only the hash."""
    values = {
        "org_id": org_id,
        "user_id": user_id,
        "name": name,
        "token_hash": token_hash,
        "expires_at": expires_at,
        "created_by_super_admin_id": created_by_super_admin_id,
    }
    with integrity_errors():
        row = conn.execute(insert(api_tokens).values(**values).returning(*PUBLIC_COLUMNS)).one()
    return dict(row._mapping)


def list_api_tokens(
    *, conn: Connection, org_id: UUID | None, user_id: UUID | None, limit: int, offset: int
) -> list[dict[str, Any]]:
    """Return token rows (never hashes), newest first."""
    query = select(*PUBLIC_COLUMNS)
    if org_id is not None:
        query = query.where(api_tokens.c.org_id == org_id)
    if user_id is not None:
        query = query.where(api_tokens.c.user_id == user_id)
    query = query.order_by(api_tokens.c.created_at.desc(), api_tokens.c.id).limit(limit).offset(offset)
    return as_dicts(conn.execute(query))


def revoke_api_token(*, conn: Connection, token_id: UUID) -> dict[str, Any]:
    """Set revoked_at (keeping the first revocation time)."""
    query = (
        update(api_tokens)
        .where(api_tokens.c.id == token_id)
        .values(revoked_at=func.coalesce(api_tokens.c.revoked_at, func.now()))
        .returning(*PUBLIC_COLUMNS)
    )
    row = as_dict(conn.execute(query).first())
    if row is None:
        raise NotFoundError("api token not found")
    return row


def authenticate_api_token(*, conn: Connection, token_hash: str) -> dict[str, Any] | None:
    """Return the owner's current identity if the token is live and its user and org are active."""
    query = (
        select(api_tokens.c.id, users.c.id.label("user_id"), users.c.org_id, users.c.company_id, users.c.role)
        .join(users, users.c.id == api_tokens.c.user_id)
        .join(orgs, orgs.c.id == users.c.org_id)
        .where(
            api_tokens.c.token_hash == token_hash,
            api_tokens.c.revoked_at.is_(None),
            or_(api_tokens.c.expires_at.is_(None), api_tokens.c.expires_at > func.now()),
            users.c.is_active.is_(True),
            orgs.c.is_active.is_(True),
        )
    )
    row = as_dict(conn.execute(query).first())
    if row is not None:
        # At most one write a minute per token, so a busy client does not hammer the row.
        conn.execute(
            update(api_tokens)
            .where(
                api_tokens.c.id == row["id"],
                or_(
                    api_tokens.c.last_used_at.is_(None),
                    api_tokens.c.last_used_at < func.now() - text("interval '1 minute'"),
                ),
            )
            .values(last_used_at=func.now())
        )
    return row
