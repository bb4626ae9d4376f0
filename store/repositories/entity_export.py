"""Entity rows for the export contract v1 (§11), keyset-paginated by (updated_at, entity_id) inside one org.

Each dataset is a list of (v1 field, SQL expression). Most fields are entity columns; `linkedin_page_id`
comes from the merged payload (providers report it as `company_linkedin_id`), and `source_priority` is
the entity's providers in the order they first contributed, comma-separated.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from sqlalchemy import ColumnElement, Connection, Float, String, Table, func, literal, select, tuple_
from sqlalchemy.dialects.postgresql import aggregate_order_by

from store.repositories._rows import as_dicts
from store.tables import company_entities, person_entities

Dataset = Literal["companies", "persons"]
SCHEMA_VERSION = "v1"


def _payload_text(table: Table, *keys: str) -> ColumnElement[Any]:
    return func.coalesce(*(func.nullif(table.c.canonical_payload[key].astext, "") for key in keys))


def _providers_text(table: Table) -> ColumnElement[Any]:
    providers = (
        func.jsonb_array_elements_text(table.c.source_providers)
        .table_valued("value", with_ordinality="position")
        .render_derived()
    )
    joined = func.string_agg(providers.c.value, aggregate_order_by(literal(","), providers.c.position))
    ordered = select(joined).scalar_subquery()
    # An empty list exports as null, not as an empty string.
    return func.nullif(ordered, "")


def _common_head(table: Table) -> list[tuple[str, ColumnElement[Any]]]:
    return [
        ("export_schema_version", literal(SCHEMA_VERSION, String)),
        ("org_id", table.c.org_id),
        ("company_id", table.c.company_id),
        ("entity_id", table.c.entity_id),
    ]


def _common_tail(table: Table) -> list[tuple[str, ColumnElement[Any]]]:
    return [
        ("last_enriched_at", table.c.last_enriched_at),
        ("last_operation_id", table.c.last_operation_id),
        ("last_run_id", table.c.last_run_id),
    ]


def _company_fields() -> list[tuple[str, ColumnElement[Any]]]:
    t = company_entities
    return [
        *_common_head(t),
        ("canonical_name", t.c.canonical_name),
        ("canonical_domain", t.c.canonical_domain),
        ("linkedin_url", t.c.linkedin_url),
        ("linkedin_page_id", _payload_text(t, "linkedin_page_id", "company_linkedin_id")),
        ("industry", t.c.industry),
        ("employee_count", t.c.employee_count),
        ("revenue_band", t.c.revenue_band),
        ("hq_country", t.c.hq_country),
        ("enrichment_confidence", t.c.enrichment_confidence.cast(Float)),
        *_common_tail(t),
        ("source_priority", _providers_text(t)),
        ("record_version", t.c.record_version),
        ("updated_at", t.c.updated_at),
    ]


def _person_fields() -> list[tuple[str, ColumnElement[Any]]]:
    t = person_entities
    return [
        *_common_head(t),
        *((name, t.c[name]) for name in ("full_name", "first_name", "last_name", "linkedin_url", "title")),
        *((name, t.c[name]) for name in ("seniority", "department", "work_email", "email_status")),
        ("phone_e164", t.c.phone_e164),
        ("contact_confidence", t.c.contact_confidence.cast(Float)),
        *_common_tail(t),
        ("record_version", t.c.record_version),
        ("updated_at", t.c.updated_at),
    ]


TABLES: dict[Dataset, Table] = {"companies": company_entities, "persons": person_entities}
FIELDS: dict[Dataset, list[tuple[str, ColumnElement[Any]]]] = {
    "companies": _company_fields(),
    "persons": _person_fields(),
}


def field_names(dataset: Dataset) -> list[str]:
    """Return the dataset's v1 fields in export order."""
    return [name for name, _ in FIELDS[dataset]]


def export_page(
    *,
    conn: Connection,
    dataset: Dataset,
    org_id: UUID,
    company_id: UUID | None,
    updated_since: datetime | None,
    after: tuple[datetime, UUID] | None,
    limit: int,
) -> list[dict[str, Any]]:
    """Return the next page of the org's entities after the (updated_at, entity_id) key, oldest first."""
    t = TABLES[dataset]
    query = select(*(expression.label(name) for name, expression in FIELDS[dataset])).where(
        t.c.org_id == org_id
    )
    if company_id is not None:
        query = query.where(t.c.company_id == company_id)
    if updated_since is not None:
        query = query.where(t.c.updated_at >= updated_since)
    if after is not None:
        query = query.where(tuple_(t.c.updated_at, t.c.entity_id) > tuple_(*after))
    return as_dicts(conn.execute(query.order_by(t.c.updated_at, t.c.entity_id).limit(limit)))
