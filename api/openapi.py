"""The OpenAPI document tells the truth about errors: each status a route answers, in the one envelope.

A route declares the errors its own work raises (`responses=errors(403, 404)`); those every route of
a kind shares are derived here: a bearer credential can fail (401), a body can be too large (413) or
invalid (422), and any route can fail unexpectedly (500). FastAPI's own 422 (`{"detail": …}`) is
replaced, for the API never sends it.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel, ConfigDict, Field

SCHEMA_REF = "#/components/schemas/ErrorResponse"
_FASTAPI_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")
DESCRIPTIONS = {
    400: "The request cannot be carried out as asked.",
    401: "No bearer credential, or one that is invalid, expired or revoked.",
    402: "The org's monthly budget is reached (code `budget_exhausted`).",
    403: "The caller's role or company scope does not allow this.",
    404: "A record the request names does not exist (or belongs to another org).",
    409: "The request conflicts with a record as it stands (a duplicate, a stale state).",
    413: "The request body exceeds the size limit.",
    422: "The request is invalid; `details` names each bad field.",
    500: "An unexpected failure on the server's side (code `internal_error`).",
    503: "A service the request needs does not answer.",
}


class ErrorDetail(BaseModel):
    """One problem of a request: which field, and what is wrong with it."""

    # Upload and batch errors add where the problem is (line, column, record, ...).
    model_config = ConfigDict(extra="allow")

    field: str | None = Field(default=None, description="The field at fault, dotted (`entities.3.input`).")
    message: str = Field(description="What is wrong with it.")
    type: str | None = Field(default=None, description="The kind of validation error, when schema-checked.")


class ErrorResponse(BaseModel):
    """The one envelope of every error answer."""

    error: str = Field(description="A message a user can act on.")
    code: str = Field(description="A stable machine code: `not_found`, `validation_error`, ...")
    details: list[ErrorDetail] = Field(default_factory=list, description="The problems, one per field.")


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """Return a route's `responses=` entries for the error statuses it answers."""
    return {status: {"model": ErrorResponse, "description": DESCRIPTIONS[status]} for status in statuses}


def shared_errors(operation: dict[str, Any]) -> set[int]:
    """Return the statuses an operation answers by its kind: any (500), bearer (401), body (413, 422)."""
    # Read off the generated operation, which FastAPI derives from the route's dependencies and body.
    statuses = {500}
    if operation.get("security"):
        statuses.add(401)
    if "requestBody" in operation:
        statuses |= {413, 422}
    return statuses


def _error_response(status: int) -> dict[str, Any]:
    return {
        "description": DESCRIPTIONS[status],
        "content": {"application/json": {"schema": {"$ref": SCHEMA_REF}}},
    }


def document_errors(app: FastAPI) -> None:
    """Make `app.openapi()` document every route's errors in the envelope, and no `{"detail"}` shape."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                openapi_version=app.openapi_version,
                summary=app.summary,
                description=app.description,
                routes=app.routes,
            )
            for operations in schema["paths"].values():
                for operation in operations.values():
                    for status in shared_errors(operation):
                        operation["responses"][str(status)] = _error_response(status)
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            for name in _FASTAPI_VALIDATION_SCHEMAS:
                components.pop(name, None)
            envelope = ErrorResponse.model_json_schema(ref_template="#/components/schemas/{model}")
            components.update(envelope.pop("$defs", {}))
            components.setdefault("ErrorResponse", envelope)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
