"""Super-admins: the operators; created from the command line."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import Connection, insert, select

from store.errors import integrity_errors
from store.repositories._rows import as_dict
from store.tables import super_admins


def create_super_admin(*, conn: Connection, email: str, password_hash: str) -> dict[str, Any]:
    """Insert a super-admin (email already normalized)."""
    with integrity_errors():
        row = conn.execute(
            insert(super_admins)
            .values(email=email, password_hash=password_hash)
            .returning(super_admins.c.id, super_admins.c.email, super_admins.c.is_active)
        ).one()
    return dict(row._mapping)


def find_super_admin_by_email(*, conn: Connection, email: str) -> dict[str, Any] | None:
    """Return the super-admin row with this email, hash included."""
    return as_dict(conn.execute(select(super_admins).where(super_admins.c.email == email)).first())


def get_active_super_admin(*, conn: Connection, super_admin_id: UUID, email: str) -> dict[str, Any] | None:
    """Return the super-admin if id and email match an active row."""
    query = select(super_admins.c.id, super_admins.c.email).where(
        super_admins.c.id == super_admin_id,
        super_admins.c.email == email,
        super_admins.c.is_active.is_(True),
    )
    return as_dict(conn.execute(query).first())
