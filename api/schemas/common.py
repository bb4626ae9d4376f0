"""Shared schema pieces: the strict request base, the envelope, pagination."""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar
from uuid import UUID

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    StringConstraints,
    ValidationError,
    field_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from store import jsonb

T = TypeVar("T")
MAX_VALUE_PROBLEMS = 100

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


def _text_or_datetime(value: Any) -> Any:
    if isinstance(value, str | datetime):
        return value
    raise PydanticCustomError("datetime_type", "Input should be an ISO 8601 date-time string")


# Request bodies take JSON's own types only (pydantic's strict mode): 0 is no boolean, true and "5"
# no integers, 1.5 and 2.0 no integers either. JSON has no UUID or date-time: those come as text, so
# their fields are declared `Id` and `IsoDateTime` (a plain UUID or datetime would refuse the text).
Id = Annotated[UUID, Strict(False)]
IsoDateTime = Annotated[datetime, Strict(False), BeforeValidator(_text_or_datetime)]


class RequestModel(BaseModel):
    """Base of every request body: JSON types as declared, unknown fields refused, values jsonb can hold."""

    model_config = ConfigDict(extra="forbid", strict=True)

    @field_validator("*", mode="before")
    @classmethod
    def _storable_values(cls, value: Any) -> Any:
        # jsonb cannot hold NUL, orjson no integer beyond 64 bits, and NaN or Infinity (1e400 parses as
        # Infinity) would be stored as null: refuse each such value here, by its own path in the field.
        if jsonb.is_storable(value):
            return value
        errors = [
            InitErrorDetails(type=PydanticCustomError("unstorable_value", message), loc=path, input=None)
            for path, message in itertools.islice(jsonb.problems(value), MAX_VALUE_PROBLEMS)
        ]
        raise ValidationError.from_exception_data(cls.__name__, errors)


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

    id: Id


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
