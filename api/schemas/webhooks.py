"""Webhook bodies: create (the secret answered once), list, read, and the delivery log."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import BaseModel, Field, Strict, StringConstraints, field_validator

from api.schemas.common import Id, PageRequest, RequestModel
from config.vocabulary import DeliveryStatus

WebhookEvent = Literal[
    "submission.completed", "submission.failed", "submission.canceled", "submission.budget_exhausted"
]
Url = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2048)]


class WebhookCreate(RequestModel):
    url: Url = Field(description="http(s) URL of a public host; in development, loopback too.")
    events: list[WebhookEvent] = Field(min_length=1, max_length=10, description="Event types to receive.")
    description: Annotated[str, StringConstraints(max_length=500)] | None = None
    company_id: Id | None = Field(
        default=None,
        description="Only this company's submissions (a company-scoped caller: its own); unset: the org's.",
    )

    @field_validator("events")
    @classmethod
    def _once_each(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(value))


class WebhookList(PageRequest):
    company_id: Id | None = None


class WebhookRead(BaseModel):
    id: UUID
    org_id: UUID
    company_id: UUID | None
    url: str
    events: list[str]
    description: str | None
    created_by_user_id: UUID | None
    created_at: datetime
    updated_at: datetime


class WebhookCreated(WebhookRead):
    secret: str = Field(description="The signing secret: shown this once, never again.")


class WebhookDeleted(BaseModel):
    id: UUID
    deleted: bool


class DeliveryList(RequestModel):
    webhook_id: Id | None = None
    submission_id: Id | None = None
    status: Annotated[DeliveryStatus, Strict(False)] | None = None  # JSON brings the value as text
    limit: int = Field(default=25, ge=1, le=100)
    cursor: Annotated[str, StringConstraints(max_length=200)] | None = Field(
        default=None, description="next_cursor of the previous page."
    )


class AttemptRead(BaseModel):
    attempt_number: int
    status_code: int | None = Field(description="The receiver's HTTP status; null when none answered.")
    error: str | None
    duration_ms: int
    created_at: datetime


class DeliveryRead(BaseModel):
    id: UUID
    webhook_id: UUID
    event_id: UUID
    event_type: str
    submission_id: UUID | None
    company_id: UUID | None
    status: DeliveryStatus
    attempt_count: int
    next_attempt_at: datetime | None = Field(description="When a pending delivery is tried next.")
    last_status_code: int | None
    last_error: str | None
    delivered_at: datetime | None
    created_at: datetime
    payload: dict[str, Any] = Field(description="The body sent (the same on every attempt).")
    attempts: list[AttemptRead]


class DeliveryPage(BaseModel):
    items: list[DeliveryRead]
    next_cursor: str | None = Field(description="Pass as cursor for the next page; null on the last.")
