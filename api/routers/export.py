"""POST /api/v1/entities/export: a tenant's companies or persons as CSV or Parquet (export contract v1).

A tenant or the super-admin (who must name org_id); a pinned tenant exports its own company's rows only.
"""

from __future__ import annotations

import itertools
from typing import Any

from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from api.auth.flexible import TenantOrSuperAdmin
from api.deps import DbEngine
from api.openapi import errors
from api.schemas.export import ExportRequest
from api.services import export
from store.errors import NotFoundError
from store.repositories import companies

router = APIRouter(prefix="/api/v1/entities", tags=["entities"])

_FILE = {"schema": {"type": "string", "format": "binary"}}
_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The entities, one row each, with the §11 v1 fields (an attachment).",
        "content": {"text/csv": _FILE, export.PARQUET_MEDIA_TYPE: _FILE},
    },
    **errors(403, 404),
}


@router.post("/export", response_class=StreamingResponse, responses=_RESPONSES)
def export_entities(body: ExportRequest, caller: TenantOrSuperAdmin, engine: DbEngine) -> StreamingResponse:
    """Stream the tenant's companies or persons, oldest update first, as CSV or Parquet."""
    org_id = caller.org_id(body.org_id)
    company_id = caller.scoped_company(body.company_id)
    if company_id is not None:
        with engine.connect() as conn:
            if not companies.company_in_org(conn=conn, company_id=company_id, org_id=org_id):
                raise NotFoundError("company not found", field="company_id")
    query = export.ExportQuery(body.kind, org_id, company_id, body.updated_since)
    headers = {
        "Content-Disposition": f'attachment; filename="{export.filename(query, body.format)}"',
        "X-Export-Schema-Version": "v1",
    }
    if body.format == "parquet":
        spool, size = export.parquet_file(engine, query)
        headers["Content-Length"] = str(size)
        return StreamingResponse(
            export.file_chunks(spool), media_type=export.PARQUET_MEDIA_TYPE, headers=headers
        )
    chunks = export.csv_chunks(engine, query)
    # Read the first page now: a database failure is then an error answer, not a truncated file.
    first = next(chunks)
    return StreamingResponse(
        itertools.chain([first], chunks), media_type=export.CSV_MEDIA_TYPE, headers=headers
    )
