"""One error envelope for every failure: {"error": message, "code": code, "details": [...]}."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from store.errors import (
    ConflictError,
    InvalidReferenceError,
    NotFoundError,
    StoreError,
    UnstorableValueError,
)

log = logging.getLogger(__name__)

_STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    500: "internal_error",
}


class ApiError(Exception):
    """An error the API answers on purpose, with its status and a message a user can act on."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        details: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code or _STATUS_CODES.get(status, "error")
        self.details = details or []


def unauthorized(message: str = "Invalid credentials") -> ApiError:
    """Return the 401 every failed authentication answers."""
    return ApiError(401, message)


def forbidden(message: str) -> ApiError:
    """Return a 403."""
    return ApiError(403, message)


def error_response(
    status: int, message: str, code: str, details: list[dict[str, Any]] | None = None
) -> JSONResponse:
    """Build the envelope."""
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    body = {"error": message, "code": code, "details": details or []}
    return JSONResponse(body, status_code=status, headers=headers)


def _field_name(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path")]
    return ".".join(parts) or "body"


def _validation_details(exc: RequestValidationError) -> list[dict[str, Any]]:
    details = []
    for err in exc.errors():
        field = _field_name(tuple(err.get("loc", ())))
        message = err.get("msg", "invalid value")
        if err.get("type") == "extra_forbidden":
            message = "unknown field"
        elif err.get("type") == "json_invalid":
            field, message = "body", "malformed JSON"
        details.append({"field": field, "message": message, "type": err.get("type", "value_error")})
    return details


def install_error_handlers(app: FastAPI) -> None:
    """Route every exception to the envelope."""

    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.message, exc.code, exc.details)

    @app.exception_handler(StoreError)
    async def _store_error(_: Request, exc: StoreError) -> JSONResponse:
        details = [{"field": exc.field, "message": exc.message}] if exc.field else []
        if isinstance(exc, NotFoundError):
            return error_response(404, exc.message, "not_found", details)
        if isinstance(exc, ConflictError):
            return error_response(409, exc.message, "conflict", details)
        if isinstance(exc, InvalidReferenceError | UnstorableValueError):
            return error_response(422, exc.message, "validation_error", details)
        return error_response(400, exc.message, "bad_request", details)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        details = _validation_details(exc)
        summary = "; ".join(f"{d['field']}: {d['message']}" for d in details[:5])
        return error_response(422, f"Invalid request: {summary}", "validation_error", details)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400:
            # FastAPI's only 400: a body it cannot decode (not UTF-8, nested past the parser's depth).
            # To a client that is an invalid body, which is a 422 wherever else it is found.
            too_deep = isinstance(exc.__cause__, RecursionError)
            message = "nested too deeply" if too_deep else "malformed JSON"
            details = [{"field": "body", "message": message, "type": "json_invalid"}]
            return error_response(422, f"Invalid request: body: {message}", "validation_error", details)
        message = exc.detail if isinstance(exc.detail, str) else "request failed"
        return error_response(exc.status_code, message, _STATUS_CODES.get(exc.status_code, "error"))

    @app.exception_handler(DataError)
    async def _data_error(_: Request, exc: DataError) -> JSONResponse:
        # A value the schema let through but PostgreSQL refuses (out of range, bad encoding).
        log.warning("database refused a value: %s", exc.orig)
        return error_response(422, "A value in the request cannot be stored", "validation_error")

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=exc)
        return error_response(500, "Internal server error", "internal_error")


class BodySizeLimit:
    """Refuse request bodies over the limit with a 413, counting bytes as they pass (nothing is buffered).

    A multipart upload streams to a temporary file, so it gets its own, larger limit.
    """

    def __init__(self, app: ASGIApp, max_bytes: int, max_upload_bytes: int | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_upload_bytes = max_upload_bytes or max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        upload = headers.get(b"content-type", b"").lower().startswith(b"multipart/form-data")
        limit = self.max_upload_bytes if upload else self.max_bytes
        message = f"Request body exceeds {limit} bytes"
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await error_response(413, message, "payload_too_large")(scope, receive, send)
            return
        size = 0

        async def counted() -> Message:
            nonlocal size
            received = await receive()
            size += len(received.get("body", b""))
            if size > limit:
                # FastAPI's body reading re-raises an HTTPException as is; the handler answers 413.
                raise StarletteHTTPException(413, message)
            return received

        await self.app(scope, counted, send)
