"""`dex enrich`'s input side without Ray: --encoding, --sheet, bad rows by line and record, entity_inputs."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest

from api.services import delimited
from cli import enrich as enrich_cli
from config import Settings
from tests.cli.test_enrich import TECHNOGRAPHICS, invoke, write_csv

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


DECLARED = {
    "name": "cli-declared",
    "entity_inputs": ["company_domain"],
    "steps": [{"position": 1, "operation_id": "company.enrich.technographics"}],
}


@pytest.fixture
def declared_blueprint(tmp_path: Path) -> Path:
    path = tmp_path / "declared.json"
    path.write_text(json.dumps(DECLARED))
    return path


def test_a_file_without_a_declared_input_column_is_refused_in_one_line(
    settings: Settings, tmp_path: Path, declared_blueprint: Path
) -> None:
    source = write_csv(tmp_path / "names.csv", ["Company Name", "Notes"], [["Acme", "x"], ["Beta", "y"]])
    out = tmp_path / "out.csv"
    for extra in ([], ["--dry-run"]):
        result = invoke(
            enrich_cli.app, settings, str(source), "-b", str(declared_blueprint), "-o", str(out), *extra
        )
        assert result.exit_code == 1, result.output
        assert [line for line in result.output.splitlines() if line.startswith("error:")] == [
            "error: names.csv: no column supplies company_domain, which blueprint 'cli-declared' needs in "
            "every row (its entity_inputs); add the column, or --map COLUMN=company_domain"
        ]
        assert "line 2" not in result.output and not out.exists()


def test_a_website_or_mapped_column_supplies_the_domain(
    settings: Settings, tmp_path: Path, declared_blueprint: Path
) -> None:
    websites = write_csv(
        tmp_path / "sites.csv", ["Company Name", "Website"], [["Acme", "https://acme.com/x"]]
    )
    result = invoke(enrich_cli.app, settings, str(websites), "-b", str(declared_blueprint), "--dry-run")
    assert result.exit_code == 0, result.output
    hosts = write_csv(tmp_path / "hosts.csv", ["Company Name", "Host"], [["Acme", "acme.com"], ["Beta", ""]])
    mapped = ["--map", "Host=company_domain", "--dry-run"]
    result = invoke(enrich_cli.app, settings, str(hosts), "-b", str(declared_blueprint), *mapped)
    assert result.exit_code == 1 and "line 3: missing company_domain" in result.output, result.output
