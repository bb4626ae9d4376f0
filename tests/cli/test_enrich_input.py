"""`dex enrich`'s input side through --dry-run (no Ray): --encoding, --sheet, bad rows by line and record."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest

from api.services import delimited
from cli import enrich as enrich_cli
from config import Settings
from tests.cli.test_enrich import TECHNOGRAPHICS, invoke

pytestmark = pytest.mark.usefixtures("engine")


@pytest.fixture
def blueprint(tmp_path: Path) -> Path:
    path = tmp_path / "tech.json"
    path.write_text(json.dumps(TECHNOGRAPHICS))
    return path


def test_encoding_is_detected_or_given(
    settings: Settings, tmp_path: Path, blueprint: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(delimited, "SAMPLE_BYTES", 64)  # detection sees ASCII only
    rows = "".join(f"Company {i};company{i}.com\r\n" for i in range(600))
    source = tmp_path / "accounts.csv"
    source.write_bytes(
        f"Account Name;Website\r\n{rows}Société Générale;societegenerale.fr\r\n".encode("cp1252")
    )
    refused = invoke(enrich_cli.app, settings, str(source), "-b", str(blueprint), "--dry-run")
    assert refused.exit_code == 1
    assert "error: line 602: not valid utf-8 text (bytes e9); give the file's encoding" in refused.output
    assert "Traceback" not in refused.output
    given = invoke(
        enrich_cli.app, settings, str(source), "-b", str(blueprint), "--dry-run", "--encoding", "cp1252"
    )
    assert given.exit_code == 0, given.output
    assert "Account Name -> company_name; Website -> company_website" in given.output
    assert "total for 601 entities" in given.output


def test_a_named_sheet_of_a_workbook(settings: Settings, tmp_path: Path, blueprint: Path) -> None:
    workbook = openpyxl.Workbook()
    notes = workbook.active
    assert notes is not None
    notes.title = "Notes"
    notes.append(["Read me"])
    accounts = workbook.create_sheet("Accounts")
    accounts.append(["Company", "Website"])
    accounts.append(["Acme", "acme.com"])
    accounts.append(["Globex", "https://globex.io/"])
    path = tmp_path / "crm.xlsx"
    workbook.save(path)
    result = invoke(
        enrich_cli.app, settings, str(path), "-b", str(blueprint), "--dry-run", "--sheet", "Accounts"
    )
    assert result.exit_code == 0, result.output
    assert "total for 2 entities" in result.output
    unknown = invoke(
        enrich_cli.app, settings, str(path), "-b", str(blueprint), "--dry-run", "--sheet", "Leads"
    )
    assert unknown.exit_code == 1
    assert "error: the workbook has no sheet named 'Leads'; its sheets: 'Notes', 'Accounts'" in unknown.output


def test_bad_rows_name_their_line_and_record(settings: Settings, tmp_path: Path, blueprint: Path) -> None:
    source = tmp_path / "hubspot.csv"
    source.write_bytes(
        b"\xef\xbb\xbfRecord ID,Company name,Website URL,Notes\r\n"
        b'1,Acme,acme.com,"a note\r\non two lines"\r\n'
        b"2,Jane,jane@x.com,\r\n"
        b"3,Box,192.168.0.1,\r\n"
    )
    result = invoke(enrich_cli.app, settings, str(source), "-b", str(blueprint), "--dry-run")
    assert result.exit_code == 1
    assert "2 of 3 rows cannot be used:" in result.output
    assert (
        "line 4 (record 2), column Website URL: an email address, not a website: 'jane@x.com'"
        in result.output
    )
    assert (
        "line 5 (record 3), column Website URL: an IP address, not a website: '192.168.0.1'" in result.output
    )
    assert "error: refused: 2 bad rows" in result.output
