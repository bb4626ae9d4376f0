"""Companies: the tenant's business units inside an org."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import Connection, insert, select

from store.errors import NotFoundError, integrity_errors
from store.repositories._rows import as_dict, as_dicts
from store.tables import companies


def create_company(
    *, conn: Connection, org_id: UUID, name: str, domain: str | None, external_ref: str | None
) -> dict[str, Any]:
    """Insert a company in org_id."""
    values = {"org_id": org_id, "name": name, "domain": domain, "external_ref": external_ref}
    with integrity_errors():
        row = conn.execute(insert(companies).values(**values).returning(*companies.c)).one()
    return dict(row._mapping)


def get_company(*, conn: Connection, company_id: UUID, org_id: UUID | None) -> dict[str, Any]:
    """Return the company, scoped to org_id unless None (super-admin); NotFoundError otherwise."""
    query = select(companies).where(companies.c.id == company_id)
    if org_id is not None:
        query = query.where(companies.c.org_id == org_id)
    row = as_dict(conn.execute(query).first())
    if row is None:
        raise NotFoundError("company not found")
    return row


def list_companies(
    *, conn: Connection, org_id: UUID | None, company_id: UUID | None, limit: int, offset: int
) -> list[dict[str, Any]]:
    """Return companies of org_id (all orgs when None), optionally just company_id."""
    query = select(companies)
    if org_id is not None:
        query = query.where(companies.c.org_id == org_id)
    if company_id is not None:
        query = query.where(companies.c.id == company_id)
    query = query.order_by(companies.c.created_at.desc(), companies.c.id).limit(limit).offset(offset)
    return as_dicts(conn.execute(query))


def company_in_org(*, conn: Connection, company_id: UUID, org_id: UUID) -> bool:
    """Tell whether company_id belongs to org_id."""
    query = select(companies.c.id).where(companies.c.id == company_id, companies.c.org_id == org_id)
    return conn.execute(query).first() is not None


def find_company_by_name(*, conn: Connection, org_id: UUID, name: str) -> dict[str, Any] | None:
    """Return the org's company with this name, if any."""
    query = select(companies).where(companies.c.org_id == org_id, companies.c.name == name)
    return as_dict(conn.execute(query).first())
