"""The CRM round trip: a messy export in, the same file back enriched, every column and row accounted for."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import openpyxl
import polars as pl
import pytest
import typer
from click.testing import Result
from typer.testing import CliRunner

from cli import enrich as enrich_cli
from config import Settings
from providers.sandbox.world import World

pytestmark = pytest.mark.usefixtures("ray_cluster", "engine")

TECHNOGRAPHICS = {
    "name": "roundtrip-tech",
    "steps": [{"position": 1, "operation_id": "company.enrich.technographics"}],
}
HUBSPOT = ["Record ID", "Company name", "Company Domain Name", "Website URL", "Company owner", "Notes"]


def invoke(app: typer.Typer, settings: Settings, *args: str) -> Result:
    return CliRunner().invoke(app, list(args), obj=settings, env={"COLUMNS": "200"})


def _blueprint(tmp_path: Path) -> Path:
    path = tmp_path / "tech.json"
    path.write_text(json.dumps(TECHNOGRAPHICS))
    return path


def _records(text: str, delimiter: str = ",") -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def test_a_messy_hubspot_export_comes_back_whole_and_enriched(
    settings: Settings, world: World, tmp_path: Path
) -> None:
    d = world.sample_domains(3, seed_offset=401)
    rows = [
        [
            "101",
            "Alpha, Inc.",
            d[0],
            f"HTTPS://WWW.{d[0].upper()}/about?x=1",
            "sam",
            "called, left a message",
        ],
        ["102", "Beta", "", f"https://www.{d[1]}/", "kim", "two\nlines"],
        ["103", "Alpha again", f"WWW.{d[0]}", "", "sam", ""],  # the same company, spelled differently
        ["104", "Gmail user", "jane.doe@gmail.com", "", "", "an email in the domain column"],
        ["105", "München GmbH", "münchen.de", "https://münchen.de/", "", ""],
        ["106", "Local", "localhost", "", "", ""],
        ["107", "Gamma", d[2], "", "", '"quoted" words'],
        ["108", "Router", "", "http://192.168.1.1/", "", ""],
    ]
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\r\n").writerows([HUBSPOT, *rows])
    source = tmp_path / "hubspot export.csv"
    source.write_bytes(b"\xef\xbb\xbf" + buffer.getvalue().encode())
    out = tmp_path / "enriched.csv"
    args = [str(source), "-b", str(_blueprint(tmp_path)), "-o", str(out)]
    refused = invoke(enrich_cli.app, settings, *args)
    assert refused.exit_code == 1 and "Traceback" not in refused.output
    assert "3 of 8 rows cannot be used" in refused.output
    # Record 2 spans two lines: every later record is named by its line and its record number.
    assert "line 6 (record 4)" in refused.output and "email address" in refused.output
    assert not out.exists()

    result = invoke(enrich_cli.app, settings, *args, "--skip-invalid")
    assert result.exit_code == 0, result.output
    assert f"results: {out} (8 rows: every input row, 3 of them invalid" in result.output
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "a BOM in, a BOM out (spreadsheets read the UTF-8 right)"
    back = _records(raw.decode("utf-8-sig"))
    header, body = back[0], back[1:]
    # Every input column first, unchanged and in order; every input row, in order, with its values.
    assert header[: len(HUBSPOT)] == HUBSPOT and header[len(HUBSPOT)] == "input_row"
    assert all(name.startswith("dex_") for name in header[len(HUBSPOT) + 1 :])
    assert [r[: len(HUBSPOT)] for r in body] == rows
    result_rows = [dict(zip(header, r, strict=True)) for r in body]
    assert [r["input_row"] for r in result_rows] == [str(i) for i in range(1, 9)]
    status = {int(r["input_row"]): r["dex_status"] for r in result_rows}
    assert [n for n, s in status.items() if s == "invalid"] == [4, 6, 8]
    errors = {int(r["input_row"]): r["dex_error"] for r in result_rows}
    assert "email address" in errors[4] and "localhost" in errors[6] and "IP address" in errors[8]
    assert all(status[n] == "succeeded" for n in (1, 2, 3, 5, 7))
    by_row = {int(r["input_row"]): r for r in result_rows}
    # The engine worked on the normalized domain; the file keeps the website as written.
    assert [by_row[n]["dex_company_domain"] for n in (1, 2, 3, 7)] == [d[0], d[1], d[0], d[2]]
    assert by_row[5]["dex_company_domain"] == "xn--mnchen-3ya.de"
    assert by_row[5]["Company Domain Name"] == "münchen.de"
    assert by_row[1]["Website URL"] == f"HTTPS://WWW.{d[0].upper()}/about?x=1"
    assert by_row[1]["dex_run_id"] != by_row[3]["dex_run_id"], "each record has its own run"


def test_a_semicolon_cp1252_file_comes_back_with_its_delimiter(
    settings: Settings, world: World, tmp_path: Path
) -> None:
    d = world.sample_domains(2, seed_offset=402)
    source = tmp_path / "export.csv"
    lines = ["Firma;Website;Notiz", f"Société Générale;{d[0]};Müller, Grüße", f"Zweite;{d[1]};"]
    source.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    out = tmp_path / "out.csv"
    result = invoke(enrich_cli.app, settings, str(source), "-b", str(_blueprint(tmp_path)), "-o", str(out))
    assert result.exit_code == 0, result.output
    back = _records(out.read_bytes().decode("utf-8-sig"), delimiter=";")
    assert back[0][:4] == ["Firma", "Website", "Notiz", "input_row"]
    assert [r[:3] for r in back[1:]] == [["Société Générale", d[0], "Müller, Grüße"], ["Zweite", d[1], ""]]


def test_an_xlsx_sheet_in_and_parquet_out(settings: Settings, world: World, tmp_path: Path) -> None:
    d = world.sample_domains(3, seed_offset=403)
    book = openpyxl.Workbook()
    first = book.active
    assert first is not None
    first.title = "Notes"
    first.append(["nothing", "here"])
    sheet = book.create_sheet("Accounts")
    sheet.append(["Account Name", "Website", "Employees"])
    for i, domain in enumerate(d):
        sheet.append([f"Account {i}", domain, 10 * (i + 1)])
    source = tmp_path / "accounts.xlsx"
    book.save(source)
    out = tmp_path / "out.parquet"
    args = [str(source), "--sheet", "Accounts", "-b", str(_blueprint(tmp_path)), "-o", str(out)]
    result = invoke(enrich_cli.app, settings, *args)
    assert result.exit_code == 0, result.output
    frame = pl.read_parquet(out)
    assert frame.columns[:4] == ["Account Name", "Website", "Employees", "input_row"]
    assert frame["Employees"].to_list() == ["10", "20", "30"]
    assert frame["input_row"].to_list() == ["1", "2", "3"]
    assert frame["dex_status"].to_list() == ["succeeded"] * 3
