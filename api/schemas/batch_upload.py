"""Bodies of the file upload on /api/v1/batch/submit (multipart form fields and the answer)."""

from __future__ import annotations

import json
import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from api.schemas.batch_submit import SubmittedRun
from api.schemas.common import Id, Name, RequestModel


class UploadFields(RequestModel):
    """The form fields beside the file."""

    # A form carries text only: "true" is skip_invalid's true here, unlike in a JSON body.
    model_config = ConfigDict(strict=False)

    blueprint_id: Id
    company_id: Id | None = None
    org_id: Id | None = Field(default=None, description="Super-admin only: the tenant org.")
    map: list[str] = Field(default_factory=list, description="column=field pairs.")
    skip_invalid: bool = False
    source: Name | None = "api_v1_batch_upload"
    metadata: dict[str, Any] = Field(default_factory=dict)

    @field_validator("metadata", mode="before")
    @classmethod
    def _json_object(cls, value: Any) -> Any:
        # A form carries text: metadata arrives as JSON.
        if isinstance(value, str):
            try:
                return json.loads(value) if value.strip() else {}
            except json.JSONDecodeError as exc:
                raise ValueError(f"not valid JSON ({exc.msg})") from None
        return value


class UploadedRun(SubmittedRun):
    line: int = Field(
        description="The physical line the entity's record starts on (text: the header is line 1; "
        ".xlsx: the sheet row; Parquet: the record number)."
    )
    record: int = Field(description="The record's number in the file: 1 for the first after the header.")


class RowIssue(BaseModel):
    field: str
    message: str
    line: int
    record: int
    column: str | None


class BatchUploaded(BaseModel):
    submission_id: uuid.UUID
    status: str
    run_count: int
    pipeline_runs: list[UploadedRun] | None = Field(
        default=None, description="Per-entity runs (only for batches of at most 1,000 entities)."
    )
    rows_read: int
    skipped_row_count: int = Field(description="Rows left out with skip_invalid.")
    skipped: list[RowIssue] = Field(description="Their problems (at most 10,000 listed).")
    mapping: dict[str, str] = Field(description="File column -> canonical input.")
    ignored_columns: list[str]
