"""Domain errors raised by the store; the API maps each to one HTTP status."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from psycopg import errors as pg_errors
from sqlalchemy.exc import IntegrityError

# Unique constraints a user can collide with, and how to say so.
_UNIQUE_MESSAGES = {
    "uq_orgs_slug": ("slug", "an org with this slug already exists"),
    "uq_companies_org_name": ("name", "a company with this name already exists in the org"),
    "uq_companies_org_external_ref": ("external_ref", "a company with this external_ref already exists"),
    "uq_users_email": ("email", "a user with this email already exists"),
    "uq_super_admins_email": ("email", "a super-admin with this email already exists"),
    "uq_blueprints_org_name": ("name", "a blueprint with this name already exists in the org"),
    "uq_steps_slug": ("slug", "a step with this slug already exists"),
}


class StoreError(Exception):
    """Base of the errors the store raises on purpose."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFoundError(StoreError):
    """The row does not exist, or is not visible to the caller's tenant."""


class ConflictError(StoreError):
    """A unique name or key is already taken."""


class InvalidReferenceError(StoreError):
    """The request names a row that exists nowhere the caller may point to."""


class UnstorableValueError(StoreError):
    """A JSON value jsonb would refuse or store changed: NaN, Infinity, an integer beyond 64 bits, NUL."""


@contextmanager
def integrity_errors() -> Iterator[None]:
    """Turn unique and foreign-key violations into ConflictError / InvalidReferenceError."""
    try:
        yield
    except IntegrityError as exc:
        orig = exc.orig
        constraint = getattr(getattr(orig, "diag", None), "constraint_name", None) or ""
        if isinstance(orig, pg_errors.UniqueViolation):
            field, message = _UNIQUE_MESSAGES.get(constraint, (None, "this record already exists"))
            raise ConflictError(message, field=field) from exc
        if isinstance(orig, pg_errors.ForeignKeyViolation):
            raise InvalidReferenceError("a referenced record does not exist in this org") from exc
        raise
