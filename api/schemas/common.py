"""Shared schema pieces: the strict request base, the envelope, pagination."""

from __future__ import annotations

from typing import Annotated, Any, Generic, TypeVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

T = TypeVar("T")

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
LongText = Annotated[str, StringConstraints(max_length=5000)]
Slug = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")]
Email = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, to_lower=True, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
    ),
]
Password = Annotated[str, StringConstraints(min_length=8, max_length=256)]


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


class RequestModel(BaseModel):
    """Base of every request body: unknown fields are an error, not silently dropped."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul_characters(cls, value: Any) -> Any:
        # PostgreSQL text and jsonb cannot hold NUL; refuse it here, naming the field.
        if _has_nul(value):
            raise ValueError("text must not contain NUL characters")
        return value


class PageRequest(RequestModel):
    """Page through a list."""

    page: int = Field(default=1, ge=1, le=1_000_000)
    per_page: int = Field(default=25, ge=1, le=100)

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    @property
    def probe_limit(self) -> int:
        """One row more than a page, to tell whether another page exists."""
        return self.per_page + 1


class IdRequest(RequestModel):
    """Address one row by id."""

    id: UUID


class Pagination(BaseModel):
    page: int
    per_page: int
    returned: int
    has_more: bool


class Page(BaseModel, Generic[T]):
    items: list[T]
    pagination: Pagination


class Envelope(BaseModel, Generic[T]):
    """Every success answers {"data": …}."""

    data: T


def page_of(rows: list[dict[str, Any]], request: PageRequest) -> dict[str, Any]:
    """Cut the probe row and describe the page."""
    items = rows[: request.per_page]
    return {
        "items": items,
        "pagination": {
            "page": request.page,
            "per_page": request.per_page,
            "returned": len(items),
            "has_more": len(rows) > request.per_page,
        },
    }


def envelope(data: Any) -> dict[str, Any]:
    """Wrap data in the success envelope."""
    return {"data": data}
