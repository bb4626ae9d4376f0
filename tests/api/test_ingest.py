"""Input files as a user exports them from a CRM: formats, encodings, record numbers and row checks."""

from __future__ import annotations

import codecs
import datetime
import io
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import polars as pl
import pyarrow as pa
import pytest

from api.services import delimited, tabular
from api.services.ingest import (
    ColumnMapping,
    IngestError,
    InputFile,
    RowProblem,
    Rows,
    map_columns,
    open_input,
    read_records,
    read_typed,
    to_entities,
)


def write(path: Path, content: bytes | str) -> Path:
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


def read_all(source: InputFile, batch_rows: int = 1000) -> tuple[list[dict[str, Any]], list[int], list[int]]:
    """Return every record as a dict, with its record number and line, checking batches follow on."""
    values: list[dict[str, Any]] = []
    records: list[int] = []
    lines: list[int] = []
    for batch in read_records(source, batch_rows):
        assert batch.frame.height <= batch_rows
        assert batch.first_record == len(values) + 1
        assert batch.frame.columns == list(source.headers)
        assert all(dtype == pl.String for dtype in batch.frame.dtypes)
        values += batch.frame.to_dicts()
        records += range(batch.first_record, batch.first_record + batch.frame.height)
        lines += batch.lines
    return values, records, lines


def checked(source: InputFile, mapping: ColumnMapping | None = None, batch_rows: int = 1000) -> Rows:
    """Return the entities and problems of every batch of the file, as `dex enrich` checks them."""
    mapping = mapping or map_columns(source.headers)
    found = Rows()
    for batch in read_records(source, batch_rows):
        rows = to_entities(batch, mapping)
        found.entities += rows.entities
        found.records += rows.records
        found.lines += rows.lines
        found.problems += rows.problems
    return found


def refusal(path: Path, **options: Any) -> str:
    """Return the one message that refuses the file, at opening or reading."""
    with pytest.raises(IngestError) as caught:
        source = open_input(path, **options)
        read_all(source)
    return str(caught.value)


# A HubSpot companies export as Excel on Windows saves it: a BOM, CRLF, quotes around commas and
# line breaks, URLs as people type them, a domain twice in two spellings, and rows that are no website.
HUBSPOT = (
    "\ufeffRecord ID,Company name,Company Domain Name,Website URL,Company owner,Notes\r\n"  # line 1
    '101,"Acme, Inc.",,HTTPS://WWW.Example.com/about?x=1,Sam,"Met at ""SaaStr"", follow up"\r\n'  # 2, r1
    '102,Example Corp,example.com,,Sam,"two\r\nline note"\r\n'  # lines 3-4, record 2
    "103,Bücher GmbH,,https://www.bücher.example.de/x,Ana,\r\n"  # 5, record 3
    "104,Jane's Co,,jane.doe@gmail.com,Ana,\r\n"  # 6, record 4
    "105,Local,,localhost,,\r\n"  # 7, record 5
    "106,Router,192.168.0.1,,,\r\n"  # 8, record 6
    "107,Intranet,,http://intranet/,,\r\n"  # 9, record 7
    '108,München Stadt,münchen.de,,,"a\r\nb\r\nc"\r\n'  # lines 10-12, record 8
    "109,Six,,http://[2001:db8::1]/,,\r\n"  # 13, record 9
    "110,,,,Ana,\r\n"  # 14, record 10: nothing mapped has a value
)


def test_a_messy_hubspot_export_gives_exact_entities_and_problems(tmp_path: Path) -> None:
    source = open_input(write(tmp_path / "hubspot-companies.csv", HUBSPOT.encode("utf-8")))
    assert (source.format, source.encoding, source.delimiter, source.sheet) == ("csv", "utf-8-sig", ",", None)
    headers = ("Record ID", "Company name", "Company Domain Name", "Website URL", "Company owner", "Notes")
    assert source.headers == headers
    mapping = map_columns(source.headers)
    assert mapping.columns == {
        "Company name": "company_name",
        "Company Domain Name": "company_domain",
        "Website URL": "company_website",
    }
    assert mapping.unmapped == ("Record ID", "Company owner", "Notes")

    values, records, lines = read_all(source, batch_rows=4)
    assert records == list(range(1, 11))
    assert lines == [2, 3, 5, 6, 7, 8, 9, 10, 13, 14]
    assert values[0]["Company name"] == "Acme, Inc."
    assert values[0]["Notes"] == 'Met at "SaaStr", follow up'
    assert values[1]["Notes"] == "two\r\nline note"  # exactly as in the file
    assert values[2]["Notes"] is None and values[2]["Record ID"] == "103"

    found = checked(source, mapping, batch_rows=4)
    assert found.entities == [
        {
            "company_name": "Acme, Inc.",
            "company_website": "HTTPS://WWW.Example.com/about?x=1",
            "company_domain": "example.com",
        },
        {"company_name": "Example Corp", "company_domain": "example.com"},
        {
            "company_name": "Bücher GmbH",
            "company_website": "https://www.bücher.example.de/x",
            "company_domain": "xn--bcher-kva.example.de",
        },
        {"company_name": "München Stadt", "company_domain": "xn--mnchen-3ya.de"},
    ]
    assert found.records == [1, 2, 3, 8] and found.lines == [2, 3, 5, 10]
    assert [p.describe() for p in found.problems] == [
        "line 6 (record 4), column Website URL: an email address, not a website: 'jane.doe@gmail.com'",
        "line 7 (record 5), column Website URL: a local host name, not a website: 'localhost'",
        "line 8 (record 6), column Company Domain Name: an IP address, not a domain: '192.168.0.1'",
        "line 9 (record 7), column Website URL: a single name with no dot, not a website: 'http://intranet/'",
        "line 13 (record 9), column Website URL: an IP address, not a website: 'http://[2001:db8::1]/'",
        "line 14 (record 10): empty row: none of Company name, Company Domain Name, Website URL has a value",
    ]


def test_a_problem_names_its_line_and_its_record_where_they_differ() -> None:
    assert RowProblem(4, 3, "domain", "bad").describe() == "line 4, column domain: bad"
    assert RowProblem(7, 5, None, "empty row").describe() == "line 7 (record 5): empty row"
    assert RowProblem(2, 2, "domain", "bad").describe() == "record 2, column domain: bad"  # Parquet
    assert RowProblem(7, 5, "Website", "bad").as_detail() == {
        "field": "line 7.Website",
        "message": "bad",
        "line": 7,
        "record": 5,
        "column": "Website",
    }


@pytest.mark.parametrize(
    ("name", "text", "delimiter"),
    [
        ("semi.csv", 'Company;Website;Notes\nAcme;acme.com;"a;b"\nGlobex;globex.io;1,5\n', ";"),
        ("tabs.tsv", "Company\tWebsite\tNotes\nAcme\tacme.com\ta;b\nGlobex\tglobex.io\t1,5\n", "\t"),
        ("tabs.txt", "Company\tWebsite\tNotes\nAcme\tacme.com\ta,b\nGlobex\tglobex.io\t1;5\n", "\t"),
        ("pipes.txt", "Company|Website|Notes\nAcme|acme.com|a;b\nGlobex|globex.io|1,5\n", "|"),
        ("commas.csv", 'Company,Website,Notes\nAcme,acme.com,a;b;c\nGlobex,globex.io,"1,5"\n', ","),
    ],
)
def test_the_delimiter_is_sniffed(tmp_path: Path, name: str, text: str, delimiter: str) -> None:
    source = open_input(write(tmp_path / name, text))
    assert source.delimiter == delimiter and source.headers == ("Company", "Website", "Notes")
    values, _, lines = read_all(source)
    notes = {"semi.csv": "a;b", "tabs.tsv": "a;b", "tabs.txt": "a,b", "pipes.txt": "a;b"}
    assert values[0] == {"Company": "Acme", "Website": "acme.com", "Notes": notes.get(name, "a;b;c")}
    assert values[1]["Notes"] in ("1,5", "1;5") and lines == [2, 3]


def test_a_semicolon_header_gives_its_columns_even_with_commas_in_the_values(tmp_path: Path) -> None:
    source = open_input(write(tmp_path / "de.csv", "a;b;c\n1,5;2;3\n"))
    assert source.headers == ("a", "b", "c")
    assert read_all(source)[0] == [{"a": "1,5", "b": "2", "c": "3"}]
    assert open_input(write(tmp_path / "one.csv", "Website\nacme.com\n")).headers == ("Website",)


@pytest.mark.parametrize(
    ("bom", "codec"), [(codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")]
)
def test_utf16_with_a_bom(tmp_path: Path, bom: bytes, codec: str) -> None:
    text = "Company\tWebsite\r\nSociété Générale\tsocietegenerale.fr\r\nMüller AG\tmüller.de\r\n"
    source = open_input(write(tmp_path / "export.txt", bom + text.encode(codec)))
    assert (source.encoding, source.delimiter) == (codec, "\t")
    assert source.headers == ("Company", "Website")
    assert read_all(source)[0] == [
        {"Company": "Société Générale", "Website": "societegenerale.fr"},
        {"Company": "Müller AG", "Website": "müller.de"},
    ]
    assert checked(source).entities[1]["company_domain"] == "xn--mller-kva.de"


def test_windows_1252_is_detected(tmp_path: Path) -> None:
    text = (
        "Account Name;Website;Notes\r\n"
        "Société Générale;societegenerale.fr;“quoted” 5 €\r\n"
        "Müller;mueller.de;\r\n"
    )
    source = open_input(write(tmp_path / "sf.csv", text.encode("cp1252")))
    assert (source.encoding, source.delimiter) == ("cp1252", ";")
    values = read_all(source)[0]
    assert [v["Account Name"] for v in values] == ["Société Générale", "Müller"]
    assert values[0]["Notes"] == "“quoted” 5 €"


def test_utf8_is_recognised_when_the_sample_cuts_a_character(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = "Company,Website\nSociété,societe.fr\n"
    cut = text.encode().index("é".encode()) + 1  # the sample ends inside the two bytes of é
    monkeypatch.setattr(delimited, "SAMPLE_BYTES", cut)
    source = open_input(write(tmp_path / "cut.csv", text))
    assert source.encoding == "utf-8"
    assert read_all(source)[0][0]["Company"] == "Société"


def test_a_bad_byte_past_the_sample_names_its_line_and_encoding_overrides(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(delimited, "SAMPLE_BYTES", 64)
    rows = "".join(f"Company {i},company{i}.com\r\n" for i in range(1000))  # past the first read
    text = f'Company,Website\r\n{rows}"Two\r\nlines",x.com\r\nSociété Générale,sg.fr\r\n'
    path = write(tmp_path / "late.csv", text.encode("cp1252"))
    source = open_input(path)
    assert source.encoding == "utf-8"  # the first 64 bytes are ASCII
    assert refusal(path) == (
        "line 1004: not valid utf-8 text (bytes e9); "
        "give the file's encoding with --encoding (e.g. cp1252, utf-16)"
    )
    given = open_input(path, encoding="cp1252")
    assert given.encoding == "cp1252"
    values, _, lines = read_all(given)
    assert values[-1]["Company"] == "Société Générale" and lines[-2:] == [1002, 1004]
    # Given, the encoding wins over what detection would say: a UTF-8 file read as cp1252.
    utf8 = write(tmp_path / "utf8.csv", "Company\nSociété\n")
    assert read_all(open_input(utf8, encoding="cp1252"))[0] == [{"Company": "SociÃ©tÃ©"}]
    assert refusal(utf8, encoding="klingon") == "unknown encoding 'klingon'"


def test_an_xlsx_sheet_is_read_as_text_with_its_row_numbers(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    accounts = workbook.active
    assert accounts is not None
    accounts.title = "Accounts"
    accounts.append(["Company", "Website", "Employees", "Revenue", "Founded", "Updated", "Active"])
    accounts.append(["Acme", "acme.com", 42, 1.5, datetime.datetime(2001, 3, 1), None, True])
    accounts.append([])
    accounts.append(["Globex", "globex.io", 7.0, None, datetime.date(1999, 12, 31), None, False])
    accounts.cell(row=4, column=6, value=datetime.datetime(2024, 5, 6, 7, 8, 9))
    people = workbook.create_sheet("People")
    people.append([None, None])  # a blank first row, and the table starting in column B
    people.append([None, "Email", "First Name"])
    people.append([None, "jane@acme.com", "Jane"])
    path = tmp_path / "crm.xlsx"
    workbook.save(path)

    source = open_input(path)
    assert (source.format, source.sheet, source.encoding, source.delimiter) == (
        "xlsx",
        "Accounts",
        None,
        None,
    )
    values, records, lines = read_all(source)
    assert values == [
        {
            "Company": "Acme",
            "Website": "acme.com",
            "Employees": "42",
            "Revenue": "1.5",
            "Founded": "2001-03-01",
            "Updated": None,
            "Active": "TRUE",
        },
        {
            "Company": "Globex",
            "Website": "globex.io",
            "Employees": "7",
            "Revenue": None,
            "Founded": "1999-12-31",
            "Updated": "2024-05-06T07:08:09",
            "Active": "FALSE",
        },
    ]
    assert records == [1, 2] and lines == [2, 4]  # the empty row 3 is no record

    named = open_input(path, sheet="People")
    assert named.headers == ("Email", "First Name")
    assert read_all(named) == ([{"Email": "jane@acme.com", "First Name": "Jane"}], [1], [3])
    assert checked(named).entities == [{"email": "jane@acme.com", "first_name": "Jane"}]
    assert refusal(path, sheet="Contacts") == (
        "the workbook has no sheet named 'Contacts'; its sheets: 'Accounts', 'People'"
    )


def test_parquet_keeps_its_types_and_numbers_records(tmp_path: Path) -> None:
    path = tmp_path / "in.parquet"
    pl.DataFrame({"domain": ["acme.com", "not a domain", None], "employees": [10, 20, 30]}).write_parquet(
        path
    )
    source = open_input(path)
    assert (source.format, source.headers, source.encoding) == ("parquet", ("domain", "employees"), None)
    values, records, lines = read_all(source, batch_rows=2)
    assert values[1] == {"domain": "not a domain", "employees": "20"}
    assert records == lines == [1, 2, 3]
    typed = list(read_typed(source, batch_rows=2))
    assert [b.num_rows for b in typed] == [2, 1] and typed[0].schema.field("employees").type == pa.int64()
    found = checked(source)
    assert [p.describe() for p in found.problems] == [
        "record 2, column domain: not a valid company domain: 'not a domain'",
        "record 3: empty row: none of domain has a value",
    ]
    with pytest.raises(IngestError, match="only a Parquet input has typed columns"):
        next(read_typed(open_input(write(tmp_path / "a.csv", "Website\nacme.com\n")), 10))


def test_a_long_file_streams_in_batches(tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    with path.open("w", newline="") as handle:
        handle.write("Website,Notes\n")
        handle.writelines(
            f'company{i}.com,"note\n{i}"\n' if i % 1000 == 0 else f"company{i}.com,\n" for i in range(10_000)
        )
    batches = list(read_records(open_input(path), batch_rows=3_000))
    assert [b.first_record for b in batches] == [1, 3_001, 6_001, 9_001]
    assert [b.frame.height for b in batches] == [3_000, 3_000, 3_000, 1_000]
    # Ten notes span two lines each: record r starts on line r + 1 + the multi-line fields before it.
    assert batches[1].lines[0] == 3_001 + 1 + 3 and batches[-1].lines[-1] == 10_000 + 1 + 10


def _zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.txt", "hello")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.csv", b"", "the file is empty"),
        ("blank.csv", b"\xef\xbb\xbf\r\n\r\n", "the file is empty"),
        ("header.csv", b"Company,Website\r\n\r\n", "the file has a header but no data rows"),
        ("binary.csv", bytes(range(256)) * 4, "the file is not text: it holds NUL bytes"),
        ("sheet.csv", _zip_bytes(), "the file is not text: it is a zip archive"),
        ("cp.csv", b"Company\n\x81\x8d\x8f\n", "line 2: not valid cp1252 text (bytes 81)"),
        (
            "dupes.csv",
            b"Email,Name,email,Email\nx,y,z,w\n",
            "duplicate column names: 'Email' (columns 1 and 4)",
        ),
        (
            "quote.csv",
            b'Company,Notes\nAcme,"never closed\nGlobex,x\n',
            "line 2: a quoted field is never closed",
        ),
        (
            "wide.csv",
            b"Company,Website\nAcme,acme.com,extra\n",
            "line 2: a value outside the 2 named columns",
        ),
        ("book.xlsx", b"Company,Website\nAcme,acme.com\n", "the file is not an Excel workbook (.xlsx)"),
        ("old.xls", b"\xd0\xcf\x11\xe0", "old.xls: an .xls workbook (Excel 97-2003) is not read"),
        ("notes.md", b"Company\nAcme\n", "notes.md: expected a .csv, .tsv, .txt, .xlsx or .parquet file"),
        ("bad.parquet", b"PAR1 not really", "the file is not a readable Parquet file"),
    ],
)
def test_a_bad_file_is_refused_with_one_clear_message(
    tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    said = refusal(write(tmp_path / name, content))
    assert said.startswith(message), said
    assert "\n" not in said and "Traceback" not in said


def test_a_header_only_parquet_or_sheet_and_a_missing_or_unreadable_file_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pl.DataFrame({"domain": []}, schema={"domain": pl.String}).write_parquet(tmp_path / "none.parquet")
    assert refusal(tmp_path / "none.parquet") == "the file has a header but no data rows"
    workbook = openpyxl.Workbook()
    assert workbook.active is not None
    workbook.active.append(["Company", "Website"])
    workbook.save(tmp_path / "header.xlsx")
    assert refusal(tmp_path / "header.xlsx") == "the file has a header but no data rows"
    assert refusal(tmp_path / "missing.csv") == f"{tmp_path / 'missing.csv'}: no such file"
    (tmp_path / "folder.csv").mkdir()
    assert refusal(tmp_path / "folder.csv") == f"{tmp_path / 'folder.csv'} is a directory, not a file"
    locked = write(tmp_path / "locked.csv", "Website\nacme.com\n")
    real_open = Path.open

    def denied(self: Path, *args: Any, **kwargs: Any) -> Any:
        if self == locked:  # as root, file modes do not stop a read: refuse it as the OS would
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", denied)
    assert refusal(locked) == f"cannot read {locked}: Permission denied"


def test_encoding_and_sheet_belong_to_their_formats(tmp_path: Path) -> None:
    path = tmp_path / "in.parquet"
    pl.DataFrame({"domain": ["acme.com"]}).write_parquet(path)
    assert (
        refusal(path, encoding="cp1252")
        == "an encoding is given only for delimited text, not for parquet files"
    )
    assert (
        refusal(write(tmp_path / "a.csv", "d\nx\n"), sheet="One")
        == "a sheet is named only for an .xlsx workbook"
    )
    # An upload has no extension: the caller names the format.
    assert open_input(write(tmp_path / "upload", "Website\nacme.com\n"), format="csv").headers == ("Website",)


def test_unnamed_columns_are_named_by_position_and_a_trailing_delimiter_is_dropped(tmp_path: Path) -> None:
    source = open_input(write(tmp_path / "t.csv", ",Website,,Name,\n1,acme.com,x,Acme,\n"))
    assert source.headers == ("column_1", "Website", "column_3", "Name")
    assert read_all(source)[0] == [{"column_1": "1", "Website": "acme.com", "column_3": "x", "Name": "Acme"}]


def test_the_tabular_module_is_what_ingest_exports() -> None:
    assert open_input is tabular.open_input and IngestError is delimited.IngestError


# Header sets as each CRM exports them (abridged), and what they map to without --map.
CRM_EXPORTS = {
    "hubspot companies": (
        [
            "Record ID",
            "Company name",
            "Company Domain Name",
            "Website URL",
            "Company owner",
            "City",
            "Country/Region",
            "LinkedIn Company Page",
            "Notes",
        ],
        {
            "Company name": "company_name",
            "Company Domain Name": "company_domain",
            "Website URL": "company_website",
            "Country/Region": "location",
            "LinkedIn Company Page": "company_linkedin_url",
        },
    ),
    "hubspot contacts": (
        [
            "Record ID",
            "First Name",
            "Last Name",
            "Email",
            "Job Title",
            "Company Name",
            "LinkedIn Bio",
            "Contact owner",
        ],
        {
            "First Name": "first_name",
            "Last Name": "last_name",
            "Email": "email",
            "Job Title": "job_title",
            "Company Name": "company_name",
            "LinkedIn Bio": "linkedin_url",
        },
    ),
    "salesforce accounts": (
        ["Account ID", "Account Name", "Website", "Account Owner", "Billing Country", "Notes"],
        {"Account Name": "company_name", "Website": "company_website", "Billing Country": "location"},
    ),
    "salesforce contacts": (
        [
            "Contact ID",
            "First Name",
            "Last Name",
            "Title",
            "Email",
            "Account Name",
            "Account Owner",
            "Mailing Country",
        ],
        {
            "First Name": "first_name",
            "Last Name": "last_name",
            "Title": "job_title",
            "Email": "email",
            "Account Name": "company_name",
            "Mailing Country": "location",
        },
    ),
    "pipedrive organizations": (
        ["Organization - ID", "Organization - Name", "Organization - Website", "Organization - Owner"],
        {"Organization - Name": "company_name", "Organization - Website": "company_website"},
    ),
    "pipedrive people": (
        [
            "Person - ID",
            "Person - Name",
            "Person - First name",
            "Person - Last name",
            "Person - Email",
            "Person - Email - Work",
            "Person - Job title",
            "Person - Organization",
            "Person - Owner",
        ],
        {
            "Person - Name": "full_name",
            "Person - First name": "first_name",
            "Person - Last name": "last_name",
            "Person - Email": "email",
            "Person - Email - Work": "work_email",
            "Person - Job title": "job_title",
            "Person - Organization": "company_name",
        },
    ),
    "apollo contacts": (
        [
            "First Name",
            "Last Name",
            "Title",
            "Company",
            "Company Name for Emails",
            "Email",
            "Email Status",
            "Person Linkedin Url",
            "Website",
            "Company Linkedin Url",
            "City",
            "Country",
            "Company Country",
            "Apollo Contact Id",
        ],
        {
            "First Name": "first_name",
            "Last Name": "last_name",
            "Title": "job_title",
            "Company": "company_name",
            "Email": "email",
            "Person Linkedin Url": "linkedin_url",
            "Website": "company_website",
            "Company Linkedin Url": "company_linkedin_url",
            "Country": "location",
        },
    ),
    "apollo accounts": (
        [
            "Company Name for Emails",
            "Company",
            "Account Stage",
            "Account Owner",
            "# Employees",
            "Website",
            "Company Linkedin Url",
            "Company Country",
        ],
        {
            "Company": "company_name",
            "Website": "company_website",
            "Company Linkedin Url": "company_linkedin_url",
            "Company Country": "location",
        },
    ),
}


@pytest.mark.parametrize("crm", sorted(CRM_EXPORTS))
def test_each_crm_export_maps_without_a_map(crm: str) -> None:
    headers, expected = CRM_EXPORTS[crm]
    mapping = map_columns(headers)
    assert mapping.columns == {h: expected[h] for h in headers if h in expected}  # in the file's order
    assert mapping.unmapped == tuple(h for h in headers if h not in expected)


def test_a_map_overrides_the_names_and_the_best_spelling_wins_otherwise() -> None:
    headers = ["Company Name for Emails", "Company", "Company Linkedin Url", "Website", "Notes"]
    mapping = map_columns(headers, {"Company Name for Emails": "company_name", "Notes": "location"})
    assert mapping.columns == {
        "Company Name for Emails": "company_name",
        "Notes": "location",
        "Company Linkedin Url": "company_linkedin_url",
        "Website": "company_website",
    }
    assert mapping.unmapped == ("Company",)
    # An owner, an id or notes mean nothing: such a file needs --map.
    with pytest.raises(IngestError, match="no column maps to a known input"):
        map_columns(["Record ID", "Account Owner", "Company Owner", "Notes"])
