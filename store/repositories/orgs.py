"""Orgs: the top of the tenancy tree."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import Connection, insert, select, update

from store.errors import NotFoundError, integrity_errors
from store.repositories._rows import as_dict, as_dicts
from store.tables import orgs


def create_org(*, conn: Connection, name: str, slug: str) -> dict[str, Any]:
    """Insert an org."""
    with integrity_errors():
        row = conn.execute(insert(orgs).values(name=name, slug=slug).returning(*orgs.c)).one()
    return dict(row._mapping)


def get_org(*, conn: Connection, org_id: UUID) -> dict[str, Any]:
    """Return the org or raise NotFoundError."""
    row = as_dict(conn.execute(select(orgs).where(orgs.c.id == org_id)).first())
    if row is None:
        raise NotFoundError("org not found")
    return row


def list_orgs(*, conn: Connection, limit: int, offset: int) -> list[dict[str, Any]]:
    """Return orgs, newest first."""
    query = select(orgs).order_by(orgs.c.created_at.desc(), orgs.c.id).limit(limit).offset(offset)
    return as_dicts(conn.execute(query))


def update_org(*, conn: Connection, org_id: UUID, changes: dict[str, Any]) -> dict[str, Any]:
    """Apply changes (name, slug, is_active) to the org."""
    if not changes:
        return get_org(conn=conn, org_id=org_id)
    with integrity_errors():
        row = conn.execute(
            update(orgs).where(orgs.c.id == org_id).values(**changes).returning(*orgs.c)
        ).first()
    if row is None:
        raise NotFoundError("org not found")
    return dict(row._mapping)


def find_org_by_slug(*, conn: Connection, slug: str) -> dict[str, Any] | None:
    """Return the org with this slug, if any."""
    return as_dict(conn.execute(select(orgs).where(orgs.c.slug == slug)).first())
