"""Excel workbooks (.xlsx): one sheet's rows as text, streamed in openpyxl's read-only mode.

A cell becomes the text a person reads in it: whole numbers without `.0`, dates in ISO form, an
empty cell nothing. A row with no value at all is no record; each row keeps its sheet row number.
"""

from __future__ import annotations

import datetime
import zipfile
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.workbook.workbook import Workbook

from api.services.ingest_errors import IngestError


@contextmanager
def _workbook(path: Path) -> Iterator[Workbook]:
    # Opened as a stream: given a path, openpyxl refuses a name without .xlsx (an upload has none).
    with path.open("rb") as handle:
        try:
            workbook = openpyxl.load_workbook(handle, read_only=True, data_only=True)
        except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError) as exc:
            raise IngestError(f"the file is not an Excel workbook (.xlsx): {exc}") from None
        try:
            yield workbook
        finally:
            workbook.close()


def sheet_name(path: Path, wanted: str | None) -> str:
    """Return the sheet to read: `wanted`, else the first worksheet; refuse an unknown name."""
    with _workbook(path) as workbook:
        names = [sheet.title for sheet in workbook.worksheets]
        if not names:
            raise IngestError("the workbook has no worksheet")
        if wanted is None:
            return names[0]
        if wanted not in names:
            listed = ", ".join(repr(n) for n in names)
            raise IngestError(f"the workbook has no sheet named {wanted!r}; its sheets: {listed}")
        return wanted


def rows(path: Path, sheet: str) -> Generator[tuple[int, list[str | None]], None, None]:
    """Yield (sheet row number, cell texts) of each row that holds a value, the header first."""
    with _workbook(path) as workbook:
        worksheet = workbook[sheet]
        # The stored dimensions may be wrong (some writers leave A1): read every row and cell there is.
        worksheet.reset_dimensions()
        for number, values in enumerate(worksheet.iter_rows(values_only=True), start=1):
            texts = [cell_text(v) for v in values]
            if any(t is not None for t in texts):
                yield number, texts


def cell_text(value: Any) -> str | None:
    """Return a cell's value as the text a person reads in it (None for an empty cell)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        midnight = value.time() == datetime.time(0) and value.tzinfo is None
        return value.date().isoformat() if midnight else value.isoformat()
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    text = str(value)
    return text or None
