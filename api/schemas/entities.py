"""Entity state and timeline queries: filters normalized as the engine normalizes what it stores."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import AfterValidator, BaseModel, Field, StringConstraints

from api.schemas.common import Id, PageRequest, Pagination
from operations.inputs import normalize_domain, normalize_email, normalize_linkedin_url

EntityType = Literal["company", "person"]
FilterText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


def _normalized(normalize: Callable[[Any], str | None], what: str) -> Callable[[str], str]:
    def check(value: str) -> str:
        normalized = normalize(value)
        if normalized is None:
            raise ValueError(f"not a valid {what}")
        return normalized

    return check


Domain = Annotated[FilterText, AfterValidator(_normalized(normalize_domain, "domain"))]
WorkEmail = Annotated[FilterText, AfterValidator(_normalized(normalize_email, "email"))]
LinkedinUrl = Annotated[FilterText, AfterValidator(_normalized(normalize_linkedin_url, "LinkedIn URL"))]
OrgField = Field(default=None, description="Required for the super-admin; a tenant's own org.")


class CompanyEntityQuery(PageRequest):
    org_id: Id | None = OrgField
    company_id: Id | None = None
    canonical_domain: Domain | None = Field(default=None, description="Exact, after domain normalization.")
    industry: FilterText | None = Field(default=None, description="Case-insensitive substring.")


class PersonEntityQuery(PageRequest):
    org_id: Id | None = OrgField
    company_id: Id | None = None
    work_email: WorkEmail | None = None
    linkedin_url: LinkedinUrl | None = None
    title: FilterText | None = Field(default=None, description="Case-insensitive substring.")
    department: FilterText | None = Field(default=None, description="Case-insensitive substring.")
    seniority: FilterText | None = Field(default=None, description="Exact.")
    company_domain: Domain | None = Field(default=None, description="Exact, after domain normalization.")


class TimelineQuery(PageRequest):
    entity_type: EntityType
    entity_id: Id
    org_id: Id | None = OrgField
    pipeline_run_id: Id | None = None
    submission_id: Id | None = None
    event_type: FilterText | None = None


class _EntityRead(BaseModel):
    org_id: UUID
    entity_id: UUID
    company_id: UUID | None
    linkedin_url: str | None
    source_providers: list[Any]
    canonical_payload: dict[str, Any]
    last_enriched_at: datetime | None
    last_operation_id: str | None
    last_run_id: UUID | None
    record_version: int
    created_at: datetime
    updated_at: datetime


class CompanyEntityRead(_EntityRead):
    canonical_domain: str | None
    canonical_name: str | None
    industry: str | None
    employee_count: int | None
    employee_range: str | None
    revenue_band: str | None
    hq_country: str | None
    description: str | None
    enrichment_confidence: float | None


class PersonEntityRead(_EntityRead):
    full_name: str | None
    first_name: str | None
    last_name: str | None
    title: str | None
    seniority: str | None
    department: str | None
    company_domain: str | None
    work_email: str | None
    email_status: str | None
    phone_e164: str | None
    contact_confidence: float | None


class TimelineEventRead(BaseModel):
    id: UUID
    org_id: UUID
    company_id: UUID | None
    entity_type: EntityType
    entity_id: UUID
    event_type: str
    operation_id: str | None
    pipeline_run_id: UUID | None
    submission_id: UUID | None
    provider: str | None
    status: str
    fields_updated: list[Any] | None
    summary: str | None
    metadata: dict[str, Any] | None
    created_at: datetime


class TimelinePage(BaseModel):
    entity_type: EntityType
    entity_id: UUID
    items: list[TimelineEventRead]
    pagination: Pagination
