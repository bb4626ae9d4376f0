"""Reads of accumulated entity state and of the entity timeline, newest first, always inside one org."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import Column, ColumnElement, Connection, Select, Table, select

from store.repositories._rows import as_dicts
from store.tables import company_entities, entity_timeline, person_entities


def _contains(column: Column[Any], value: str) -> ColumnElement[bool]:
    """Case-insensitive substring match; the caller's % and _ are literal characters, not wildcards."""
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.ilike(f"%{escaped}%", escape="\\")


def _entity_page(
    table: Table, query: Select[Any], *, org_id: UUID, company_id: UUID | None, limit: int, offset: int
) -> Select[Any]:
    query = query.where(table.c.org_id == org_id)
    if company_id is not None:
        query = query.where(table.c.company_id == company_id)
    return query.order_by(table.c.updated_at.desc(), table.c.entity_id.desc()).limit(limit).offset(offset)


def list_company_entities(
    *,
    conn: Connection,
    org_id: UUID,
    company_id: UUID | None,
    canonical_domain: str | None,
    industry: str | None,
    limit: int,
    offset: int,
) -> list[dict[str, Any]]:
    """Return the org's company entities, most recently updated first."""
    t = company_entities
    query = select(t)
    if canonical_domain is not None:
        query = query.where(t.c.canonical_domain == canonical_domain)
    if industry is not None:
        query = query.where(_contains(t.c.industry, industry))
    return as_dicts(
        conn.execute(_entity_page(t, query, org_id=org_id, company_id=company_id, limit=limit, offset=offset))
    )


def list_person_entities(
    *,
    conn: Connection,
    org_id: UUID,
    company_id: UUID | None,
    work_email: str | None,
    linkedin_url: str | None,
    title: str | None,
    department: str | None,
    seniority: str | None,
    company_domain: str | None,
    limit: int,
    offset: int,
) -> list[dict[str, Any]]:
    """Return the org's person entities, most recently updated first."""
    t = person_entities
    query = select(t)
    for column, value in (
        (t.c.work_email, work_email),
        (t.c.linkedin_url, linkedin_url),
        (t.c.seniority, seniority),
        (t.c.company_domain, company_domain),
    ):
        if value is not None:
            query = query.where(column == value)
    for column, value in ((t.c.title, title), (t.c.department, department)):
        if value is not None:
            query = query.where(_contains(column, value))
    return as_dicts(
        conn.execute(_entity_page(t, query, org_id=org_id, company_id=company_id, limit=limit, offset=offset))
    )


def list_timeline(
    *,
    conn: Connection,
    org_id: UUID,
    company_id: UUID | None,
    entity_type: str,
    entity_id: UUID,
    pipeline_run_id: UUID | None,
    submission_id: UUID | None,
    event_type: str | None,
    limit: int,
    offset: int,
) -> list[dict[str, Any]]:
    """Return an entity's timeline events, newest first (index ix_entity_timeline_entity)."""
    t = entity_timeline
    query = select(t).where(t.c.org_id == org_id, t.c.entity_type == entity_type, t.c.entity_id == entity_id)
    for column, value in (
        (t.c.company_id, company_id),
        (t.c.pipeline_run_id, pipeline_run_id),
        (t.c.submission_id, submission_id),
        (t.c.event_type, event_type),
    ):
        if value is not None:
            query = query.where(column == value)
    query = query.order_by(t.c.created_at.desc(), t.c.id.desc()).limit(limit).offset(offset)
    return as_dicts(conn.execute(query))
