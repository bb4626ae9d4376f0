"""Creating tenants' users and companies with their cross-row rules checked first."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import Connection

from api.auth.passwords import hash_password
from store.errors import InvalidReferenceError
from store.repositories import companies, orgs, users


def create_company(
    *, conn: Connection, org_id: UUID, name: str, domain: str | None, external_ref: str | None
) -> dict[str, Any]:
    """Create a company in an existing org."""
    orgs.get_org(conn=conn, org_id=org_id)
    return companies.create_company(
        conn=conn, org_id=org_id, name=name, domain=domain, external_ref=external_ref
    )


def create_user(
    *,
    conn: Connection,
    org_id: UUID,
    email: str,
    password: str,
    role: str,
    company_id: UUID | None,
    full_name: str | None,
) -> dict[str, Any]:
    """Create a user in an existing org; a company, when given, must be the org's."""
    orgs.get_org(conn=conn, org_id=org_id)
    if company_id is not None and not companies.company_in_org(
        conn=conn, company_id=company_id, org_id=org_id
    ):
        raise InvalidReferenceError("company_id does not belong to this org", field="company_id")
    return users.create_user(
        conn=conn,
        org_id=org_id,
        email=email,
        password_hash=hash_password(password),
        role=role,
        company_id=company_id,
        full_name=full_name,
    )
