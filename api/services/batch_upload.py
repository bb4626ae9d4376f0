"""Submitting an uploaded file: two passes in batches — check every row, then write everything at once."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from api.errors import ApiError
from api.schemas.batch_upload import UploadFields
from api.services import batch_submit, ingest
from api.services.multipart import Upload
from config.vocabulary import SubmissionStatus

MAX_REPORTED_PROBLEMS = 10_000
_CONTENT_TYPES: dict[str, ingest.InputFormat] = {
    "text/csv": "csv",
    "application/csv": "csv",
    "text/comma-separated-values": "csv",
    "text/tab-separated-values": "csv",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.apache.parquet": "parquet",
    "application/parquet": "parquet",
    "application/x-parquet": "parquet",
}
BATCH_ROWS = 20_000


def file_format(upload: Upload) -> ingest.InputFormat:
    """Return the file's format from its extension, else from its content type."""
    try:
        return ingest.input_format(upload.filename or "the file")
    except ingest.IngestError as exc:
        by_type = _CONTENT_TYPES.get((upload.content_type or "").lower())
        if by_type is None:
            raise ApiError(422, str(exc), details=[{"field": "file", "message": str(exc)}]) from None
        return by_type


@dataclass
class Report:
    """What pass 1 found: rows read, rows usable, and the problems of the others (capped)."""

    rows: int = 0
    good: int = 0
    bad_rows: int = 0
    problems: int = 0
    details: list[dict[str, Any]] = field(default_factory=list)

    def add(self, problems: list[ingest.RowProblem]) -> None:
        """Count a batch's problems, keeping the first MAX_REPORTED_PROBLEMS as details."""
        self.problems += len(problems)
        self.bad_rows += len({p.record for p in problems})
        room = MAX_REPORTED_PROBLEMS - len(self.details)
        self.details += [p.as_detail() for p in problems[: max(room, 0)]]

    def summary(self) -> str:
        """Describe the bad rows in one sentence."""
        more = self.problems - len(self.details)
        listed = f"; the first {len(self.details)} problems are listed, {more} more" if more else ""
        problems = f"{self.problems} problem{'s' if self.problems != 1 else ''}"
        return f"{self.bad_rows} of {self.rows} rows cannot be submitted ({problems}{listed})"


def _checked_batches(
    source: ingest.InputFile, mapping: ingest.ColumnMapping, prepared: batch_submit.Prepared
) -> Iterator[tuple[int, list[dict[str, Any]], list[tuple[int, int]], list[ingest.RowProblem]]]:
    """Yield, batch by batch: rows read, the usable entities, their (line, record), the others' problems."""
    for batch in ingest.read_records(source, BATCH_ROWS):
        rows = ingest.to_entities(batch, mapping)
        problems, entities, places = list(rows.problems), [], []
        for entity, line, record in zip(rows.entities, rows.lines, rows.records, strict=True):
            found = prepared.problems_for(entity)
            if found:
                problems += [ingest.RowProblem(line, record, None, message) for message in found]
            else:
                entities.append(entity)
                places.append((line, record))
        yield batch.frame.height, entities, places, sorted(problems, key=lambda p: p.record)


def _refuse(message: str, details: list[dict[str, Any]], field_name: str = "file") -> ApiError:
    return ApiError(422, message, details=details or [{"field": field_name, "message": message}])


def submit_file(
    engine: Engine,
    path: Path,
    fmt: ingest.InputFormat,
    fields: UploadFields,
    *,
    org_id: uuid.UUID,
    company_id: uuid.UUID,
    user_id: uuid.UUID | None,
) -> dict[str, Any]:
    """Check every row of the file, then write the submission and its runs in one transaction."""
    try:
        source = ingest.open_input(path, format=fmt)
    except ingest.IngestError as exc:
        raise _refuse(str(exc), []) from None
    try:
        mapping = ingest.map_columns(source.headers, ingest.parse_map_options(fields.map))
    except ingest.IngestError as exc:
        # The ingest messages speak of the CLI's --map option; here it is the `map` field.
        raise _refuse(str(exc).replace("--map", "map"), [], "map") from None
    with engine.connect() as conn:
        prepared = batch_submit.prepare(
            conn, blueprint_id=fields.blueprint_id, org_id=org_id, company_id=company_id
        )
    missing = prepared.inputs_no_column_supplies(mapping.fields)
    if missing:
        # Every row would lack them: one line says why, rather than one problem per row.
        raise _refuse(
            f"no column of the file supplies {', '.join(missing)}, which the blueprint needs in every row "
            f"(its entity_inputs); add the column, or map one to it (map=COLUMN={missing[0]})",
            [],
        )
    report = Report()
    try:
        for read, entities, _, problems in _checked_batches(source, mapping, prepared):
            report.rows += read
            report.good += len(entities)
            report.add(problems)
    except ingest.IngestError as exc:
        raise _refuse(str(exc), []) from None
    if report.rows == 0:
        raise _refuse("the file has no rows", [])
    if report.good == 0 or (report.problems and not fields.skip_invalid):
        advice = "" if report.good == 0 else " (fix them, or send skip_invalid=true to leave them out)"
        raise _refuse(f"{report.summary()}; nothing was written{advice}", report.details)

    listed: list[dict[str, Any]] = []
    written = 0
    with engine.begin() as conn:
        # Checked again in the transaction: the blueprint or company may have gone since pass 1.
        prepared = batch_submit.prepare(
            conn, blueprint_id=fields.blueprint_id, org_id=org_id, company_id=company_id
        )
        submission_id = batch_submit.open_submission(
            conn,
            prepared,
            user_id=user_id,
            source=fields.source,
            metadata=fields.metadata,
            entity_count=report.good,
        )
        for _, entities, places, _ in _checked_batches(source, mapping, prepared):
            if not entities:
                continue
            runs = batch_submit.add_runs(conn, prepared, submission_id, entities, first_index=written)
            written += len(runs)
            if report.good <= batch_submit.LISTED_RUNS_LIMIT:
                answer = batch_submit.submitted_answer(submission_id, runs)["pipeline_runs"]
                listed += [
                    {**run, "line": line, "record": record}
                    for run, (line, record) in zip(answer, places, strict=True)
                ]
        if written != report.good:
            raise ApiError(409, "the blueprint changed while the file was checked; submit it again")
    return {
        "submission_id": submission_id,
        "status": SubmissionStatus.QUEUED,
        "run_count": written,
        "pipeline_runs": listed if report.good <= batch_submit.LISTED_RUNS_LIMIT else None,
        "rows_read": report.rows,
        "skipped_row_count": report.bad_rows,
        "skipped": report.details,
        "mapping": mapping.columns,
        "ignored_columns": list(mapping.unmapped),
    }
