"""POST /api/v1/batch/submit with a multipart/form-data body: entities from an uploaded CSV or Parquet file.

The JSON route (api/routers/batch_submit.py) and this one share the path. FastAPI routes by path and
method only, so this route's class also looks at the content type: it matches multipart/form-data
requests and nothing else, and is mounted before the JSON route, which keeps every other request.

The body streams to a temporary file as python-multipart parses it (api/services/multipart.py).
The file is then read twice in batches: pass 1 checks every row (mapping, values, what the blueprint
needs) and writes nothing; pass 2 writes the submission and COPYs its runs in one transaction.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.routing import APIRoute
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.routing import Match
from starlette.types import Scope

from api.auth.flexible import TenantOrSuperAdmin
from api.deps import DbEngine, Launcher, SettingsDep
from api.errors import ApiError
from api.schemas.batch_upload import BatchUploaded, UploadFields
from api.schemas.common import Envelope, envelope
from api.services.batch_upload import file_format, submit_file
from api.services.multipart import Upload, receive_upload
from config import Settings

PATH = "/api/v1/batch/submit"
DEFAULT_MAX_UPLOAD_BYTES = 1024 * 1024 * 1024
FIELDS = frozenset(
    {"file", "blueprint_id", "company_id", "org_id", "map", "skip_invalid", "source", "metadata"}
)
_FILE_SCHEMA = {
    "type": "string",
    "format": "binary",
    "description": "A delimited text (.csv, .tsv, .txt), .xlsx or .parquet file.",
}
# Merged into the JSON route's operation (`openapi_extra=`): the one path documents both bodies.
UPLOAD_OPENAPI: dict[str, Any] = {
    "requestBody": {
        "description": "A JSON batch, or a multipart/form-data upload of a CSV or Parquet file. A file's "
        "answer adds rows_read, skipped_row_count, skipped, mapping, ignored_columns and each run's line; "
        "its 422 lists every bad row (line, column, message) and nothing is written.",
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file", "blueprint_id"],
                    "additionalProperties": False,
                    "properties": {
                        "file": _FILE_SCHEMA,
                        "blueprint_id": {"type": "string", "format": "uuid"},
                        "company_id": {"type": "string", "format": "uuid"},
                        "org_id": {"type": "string", "format": "uuid", "description": "Super-admin only."},
                        "map": {
                            "type": "array",
                            "items": {"type": "string"},
                            "description": "column=field pairs, repeated or comma-separated.",
                        },
                        "skip_invalid": {"type": "boolean", "default": False},
                        "source": {"type": "string", "default": "api_v1_batch_upload"},
                        "metadata": {"type": "string", "description": "A JSON object."},
                    },
                }
            }
        },
    }
}


def _is_multipart(scope: Scope) -> bool:
    for name, value in scope.get("headers") or []:
        if name == b"content-type":
            return bytes(value).lower().startswith(b"multipart/form-data")
    return False


class MultipartRoute(APIRoute):
    """A route that matches multipart/form-data requests only, leaving the others to the next route."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        """Match as an APIRoute does, but only when the body is multipart/form-data."""
        if scope["type"] == "http" and not _is_multipart(scope):
            return Match.NONE, {}
        return super().matches(scope)


router = APIRouter(tags=["batch"], route_class=MultipartRoute)


def parse_fields(upload: Upload) -> UploadFields:
    """Validate the form fields; a 422 names each bad one."""
    if not upload.received:
        raise ApiError(422, "file is required", details=[{"field": "file", "message": "required"}])
    values: dict[str, Any] = {}
    for name, texts in upload.fields.items():
        if name == "map":
            values[name] = [p.strip() for text in texts for p in text.split(",") if p.strip()]
        elif len(texts) > 1:
            raise ApiError(
                422, f"{name} is given more than once", details=[{"field": name, "message": "repeated"}]
            )
        elif texts[0].strip():
            values[name] = texts[0].strip()
    try:
        return UploadFields.model_validate(values)
    except ValidationError as exc:
        details = [
            {"field": ".".join(str(p) for p in e["loc"]) or "body", "message": e["msg"]} for e in exc.errors()
        ]
        summary = "; ".join(f"{d['field']}: {d['message']}" for d in details[:5])
        raise ApiError(422, f"Invalid request: {summary}", details=details) from None


def _max_upload_bytes(settings: Settings) -> int:
    # An upload may be far larger than a JSON body; the setting may not exist yet on every tree.
    return int(getattr(settings.api, "max_upload_bytes", DEFAULT_MAX_UPLOAD_BYTES))


@router.post(PATH, response_model=Envelope[BatchUploaded], include_in_schema=False)
async def submit_upload(
    request: Request, caller: TenantOrSuperAdmin, engine: DbEngine, settings: SettingsDep, launcher: Launcher
) -> dict[str, Any]:
    """Submit the entities of an uploaded CSV or Parquet file; every bad row is reported before any write."""
    with tempfile.TemporaryDirectory(prefix="dex-upload-") as directory:
        upload = await receive_upload(request, Path(directory), _max_upload_bytes(settings), FIELDS)
        fields = parse_fields(upload)
        org_id = caller.org_id(fields.org_id)
        company_id = caller.scoped_company(fields.company_id)
        if company_id is None:
            message = "company_id is required: the batch belongs to one company"
            raise ApiError(422, message, details=[{"field": "company_id", "message": message}])
        fmt = file_format(upload)
        user_id = caller.tenant.user_id if caller.tenant else None
        submitted = await run_in_threadpool(
            submit_file,
            engine,
            upload.path,
            fmt,
            fields,
            org_id=org_id,
            company_id=company_id,
            user_id=user_id,
        )
    # The batch is durable now; its coordinator starts in the background (retried until it does).
    launcher.submit(submitted["submission_id"])
    return envelope(submitted)
