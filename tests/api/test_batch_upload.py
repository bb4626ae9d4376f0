"""POST /api/v1/batch/submit with an uploaded CSV or Parquet file: mapping, row report, writes, scoping."""

from __future__ import annotations

import io
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import openpyxl
import polars as pl
import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine, func, select

from api.app import create_app
from api.routers import batch_upload
from api.services import batch_upload as upload_service
from api.services import multipart
from cluster.launch import BackgroundLauncher
from config import Settings
from providers.sandbox.world import World
from store.tables import company_entities, pipeline_runs, submissions
from tests.factories import SUPER_KEY
from tests.support.engine_rows import Tenant, make_tenant

SUBMIT = "/api/v1/batch/submit"
STEPS = [{"position": 1, "operation_id": "company.enrich.technographics"}]
BAD_CSV = (
    "Company Name,Website,Notes\n"
    "Acme,https://www.acme.com/about,first\n"  # line 2: fine
    "Globex,not a website,second\n"  # line 3: a website that is no domain
    ",,\n"  # line 4: empty
    "Initech,,fourth\n"  # line 5: no domain, and the blueprint needs one
    "Umbrella,umbrella.io,fifth\n"  # line 6: fine
)


@pytest.fixture(scope="module")
def local(settings: Settings, engine: Engine) -> Iterator[TestClient]:
    """The app of its own for this module (its launcher is replaced)."""
    app = create_app(settings, engine)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


@dataclass
class Launches:
    """The launches the app's background launcher makes (a stand-in for cluster.launch.launch)."""

    launcher: BackgroundLauncher
    ids: list[UUID] = field(default_factory=list)
    failures: int = 0

    def __call__(self, submission_id: UUID, settings: Settings) -> None:
        self.ids.append(submission_id)
        if self.failures > 0:
            self.failures -= 1
            raise RuntimeError("no cluster here")

    def launched(self) -> list[UUID]:
        """Return every launch tried, once the launcher has nothing left to do."""
        assert self.launcher.wait_idle(10)
        return self.ids


@pytest.fixture
def launches(local: TestClient, monkeypatch: pytest.MonkeyPatch) -> Launches:
    launcher: BackgroundLauncher = local.app.state.launcher  # type: ignore[attr-defined]
    recorder = Launches(launcher)
    monkeypatch.setattr(launcher, "launch_fn", recorder)
    monkeypatch.setattr(launcher, "first_retry_s", 0.05)
    return recorder


@dataclass
class Setup:
    tenant: Tenant
    blueprint_id: str


def _blueprint(local: TestClient, tenant: Tenant, steps: list[dict[str, Any]] = STEPS) -> str:
    body = {"name": f"bp-{time.time_ns()}", "steps": steps}
    response = local.post("/api/blueprints/create", json=body, headers=_auth(tenant.tokens["org_admin"]))
    assert response.status_code == 200, response.text
    return str(response.json()["data"]["id"])


@pytest.fixture
def setup(local: TestClient, engine: Engine) -> Setup:
    tenant = make_tenant(engine)
    return Setup(tenant, _blueprint(local, tenant))


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _upload(
    local: TestClient,
    token: str,
    content: bytes,
    filename: str = "companies.csv",
    content_type: str = "text/csv",
    **fields: Any,
) -> Response:
    data = {k: v if isinstance(v, list) else str(v) for k, v in fields.items()}
    files = {"file": (filename, content, content_type)}
    return local.post(SUBMIT, data=data, files=files, headers=_auth(token))


def _submit(local: TestClient, setup: Setup, content: bytes, **fields: Any) -> Response:
    fields.setdefault("company_id", setup.tenant.company_ids[0])
    return _upload(
        local, setup.tenant.tokens["org_admin"], content, blueprint_id=setup.blueprint_id, **fields
    )


def _runs(engine: Engine, submission_id: str) -> list[Any]:
    with engine.connect() as conn:
        query = select(pipeline_runs).where(pipeline_runs.c.submission_id == UUID(submission_id))
        return list(conn.execute(query.order_by(pipeline_runs.c.entity_index)))


def _written(engine: Engine, tenant: Tenant) -> tuple[int, int]:
    with engine.connect() as conn:
        count_submissions = select(func.count()).where(submissions.c.org_id == tenant.org_id)
        count_runs = select(func.count()).where(pipeline_runs.c.org_id == tenant.org_id)
        return conn.execute(count_submissions).scalar_one(), conn.execute(count_runs).scalar_one()


def _parquet(frame: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.write_parquet(buffer)
    return buffer.getvalue()


def test_a_csv_is_mapped_by_its_headers_and_submitted(
    local: TestClient, engine: Engine, setup: Setup, launches: Launches
) -> None:
    csv = b"Company Name,Website,Notes\nAcme,https://www.acme.com/about,x\nUmbrella,umbrella.io,y\n"
    metadata = json.dumps({"campaign": "q3"})
    response = _submit(local, setup, csv, source="crm-sync", metadata=metadata)
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert data["status"] == "queued" and data["run_count"] == 2 and data["rows_read"] == 2
    assert data["mapping"] == {"Company Name": "company_name", "Website": "company_website"}
    assert data["ignored_columns"] == ["Notes"] and data["skipped_row_count"] == 0
    assert [(r["entity_index"], r["line"], r["record"]) for r in data["pipeline_runs"]] == [
        (0, 2, 1),
        (1, 3, 2),
    ]
    runs = _runs(engine, data["submission_id"])
    assert [r.context for r in runs] == [
        {
            "company_name": "Acme",
            "company_website": "https://www.acme.com/about",
            "company_domain": "acme.com",
        },
        {"company_name": "Umbrella", "company_website": "umbrella.io", "company_domain": "umbrella.io"},
    ]
    assert all(r.status == "queued" and r.entity_type == "company" and r.depth == 0 for r in runs)
    assert [str(r.id) for r in runs] == [r["pipeline_run_id"] for r in data["pipeline_runs"]]
    with engine.connect() as conn:
        row = conn.execute(select(submissions).where(submissions.c.id == UUID(data["submission_id"]))).one()
    assert row.source == "crm-sync" and row.metadata == {"campaign": "q3"}
    assert row.company_id == setup.tenant.company_ids[0] and row.input_payload == {"entity_count": 2}
    assert launches.launched() == [UUID(data["submission_id"])]


def test_a_parquet_file_with_an_explicit_map(
    local: TestClient, engine: Engine, setup: Setup, launches: Launches
) -> None:
    frame = pl.DataFrame({"dom": ["acme.com", "globex.io"], "label": ["Acme", "Globex"], "n": [1, 2]})
    both = ["dom=company_domain", "label=company_name"]
    for content_fields in ({"map": both}, {"map": ",".join(both)}):
        response = _submit(
            local, setup, _parquet(frame), filename="in.parquet", content_type="", **content_fields
        )
        assert response.status_code == 200, response.text
        data = response.json()["data"]
        assert data["mapping"] == {"dom": "company_domain", "label": "company_name"}
        contexts = [r.context for r in _runs(engine, data["submission_id"])]
        assert contexts == [
            {"company_domain": "acme.com", "company_name": "Acme"},
            {"company_domain": "globex.io", "company_name": "Globex"},
        ]
    # Without an extension, the part's content type names the format.
    response = _submit(
        local,
        setup,
        _parquet(frame),
        filename="blob",
        content_type="application/vnd.apache.parquet",
        map=both,
    )
    assert response.status_code == 200, response.text


def test_an_xlsx_workbook_and_a_semicolon_cp1252_file_are_submitted(
    local: TestClient, engine: Engine, setup: Setup, launches: Launches
) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["Account Name", "Website", "Account Owner"])
    sheet.append(["Müller", "https://www.müller.de/", "Sam"])
    sheet.append(["Acme", "acme.com", 7])
    buffer = io.BytesIO()
    workbook.save(buffer)
    xlsx_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = _submit(local, setup, buffer.getvalue(), filename="blob", content_type=xlsx_type)
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert data["mapping"] == {"Account Name": "company_name", "Website": "company_website"}
    assert [r.context["company_domain"] for r in _runs(engine, data["submission_id"])] == [
        "xn--mller-kva.de",
        "acme.com",
    ]
    semicolons = "Company;Website\r\nSociété Générale;jane@sg.fr\r\n".encode("cp1252")
    response = _submit(local, setup, semicolons, filename="export.csv")
    assert response.status_code == 422
    assert response.json()["details"] == [
        {
            "field": "line 2.Website",
            "message": "an email address, not a website: 'jane@sg.fr'",
            "line": 2,
            "record": 1,
            "column": "Website",
        }
    ]


def test_bad_rows_are_all_reported_by_line_and_nothing_is_written(
    local: TestClient, engine: Engine, setup: Setup, launches: Launches
) -> None:
    response = _submit(local, setup, BAD_CSV.encode())
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_error"
    assert body["error"].startswith("3 of 5 rows cannot be submitted (3 problems)")
    assert "skip_invalid" in body["error"]
    assert [(d["line"], d["column"]) for d in body["details"]] == [(3, "Website"), (4, None), (5, None)]
    assert [d["record"] for d in body["details"]] == [2, 3, 4]
    assert body["details"][0]["field"] == "line 3.Website"
    assert "not a valid company website" in body["details"][0]["message"]
    assert body["details"][1]["message"].startswith("empty row")
    assert body["details"][2]["field"] == "line 5"
    assert _written(engine, setup.tenant) == (0, 0) and launches.launched() == []


def test_parquet_rows_are_numbered_from_one(local: TestClient, setup: Setup, launches: Launches) -> None:
    frame = pl.DataFrame({"domain": ["acme.com", "not a domain", "globex.io"]})
    response = _submit(
        local, setup, _parquet(frame), filename="in.pq", content_type="application/octet-stream"
    )
    assert response.status_code == 422
    assert [(d["line"], d["column"]) for d in response.json()["details"]] == [(2, "domain")]


def test_skip_invalid_leaves_the_bad_rows_out_and_says_which(
    local: TestClient, engine: Engine, setup: Setup, launches: Launches
) -> None:
    response = _submit(local, setup, BAD_CSV.encode(), skip_invalid="true")
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert data["run_count"] == 2 and data["rows_read"] == 5 and data["skipped_row_count"] == 3
    assert [d["line"] for d in data["skipped"]] == [3, 4, 5]
    assert [(r["entity_index"], r["line"]) for r in data["pipeline_runs"]] == [(0, 2), (1, 6)]
    domains = [r.context["company_domain"] for r in _runs(engine, data["submission_id"])]
    assert domains == ["acme.com", "umbrella.io"]


def test_a_file_with_no_usable_row_is_refused_even_with_skip_invalid(
    local: TestClient, engine: Engine, setup: Setup, launches: Launches
) -> None:
    response = _submit(local, setup, b"Company Name\nAcme\nGlobex\n", skip_invalid="true")
    assert response.status_code == 422
    assert [d["line"] for d in response.json()["details"]] == [2, 3]
    assert _written(engine, setup.tenant) == (0, 0)


def test_a_big_file_reports_every_bad_row_up_to_the_cap(
    local: TestClient, setup: Setup, launches: Launches, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(upload_service, "MAX_REPORTED_PROBLEMS", 50)
    monkeypatch.setattr(upload_service, "BATCH_ROWS", 7)  # problems found across many batches
    rows = "".join(f"Co {i},{'bad value' if i % 2 else f'co{i}.com'}\n" for i in range(120))
    response = _submit(local, setup, f"Company,Website\n{rows}".encode())
    body = response.json()
    assert response.status_code == 422
    assert body["error"].startswith("60 of 120 rows cannot be submitted (60 problems; the first 50")
    assert "10 more" in body["error"]
    assert [d["line"] for d in body["details"]] == [i + 2 for i in range(1, 100, 2)]


@pytest.mark.parametrize(
    ("content", "filename", "content_type", "says"),
    [
        (b"PAR1 this is not parquet", "in.parquet", "application/octet-stream", "not a readable Parquet"),
        (b"", "empty.csv", "text/csv", "the file is empty"),
        (b"Company Name,Website\n", "header.csv", "text/csv", "a header but no data rows"),
        (b"a,b\n1,2\n", "sheet.xlsx", "application/octet-stream", "not an Excel workbook (.xlsx)"),
        (b"a,b\n1,2\n", "old.xls", "application/vnd.ms-excel", "save it as .xlsx or CSV"),
        (b"a,b\n1,2\n", "notes.md", "text/markdown", "expected a .csv, .tsv, .txt, .xlsx or .parquet file"),
        (b"PK\x03\x04\x14\x00\x00\x00", "renamed.csv", "text/csv", "the file is not text: it is a zip"),
        (b"Colour,Size\nred,2\n", "odd.csv", "text/csv", "no column maps to a known input"),
    ],
)
def test_unreadable_and_unknown_files_are_a_422(
    local: TestClient,
    engine: Engine,
    setup: Setup,
    launches: Launches,
    content: bytes,
    filename: str,
    content_type: str,
    says: str,
) -> None:
    response = _submit(local, setup, content, filename=filename, content_type=content_type)
    assert response.status_code == 422, response.text
    assert says in response.json()["error"]
    assert _written(engine, setup.tenant) == (0, 0)


@pytest.mark.parametrize(
    ("fields", "field_name"),
    [
        ({"map": "Website=company_websight"}, "map"),
        ({"map": "Nope=company_domain"}, "map"),
        ({"map": "Website"}, "map"),
        ({"metadata": "{not json"}, "metadata"),
        ({"metadata": "[1, 2]"}, "metadata"),
        ({"metadata": '{"n": 123456789012345678901234567890}'}, "metadata.n"),
        ({"metadata": '{"x": [NaN]}'}, "metadata.x.0"),
        ({"metadata": '{"x": 1e400}'}, "metadata.x"),
        ({"skip_invalid": "perhaps"}, "skip_invalid"),
        ({"colour": "red"}, "colour"),
        ({"company_id": "not-a-uuid"}, "company_id"),
    ],
)
def test_bad_fields_are_a_422_naming_the_field(
    local: TestClient, setup: Setup, launches: Launches, fields: dict[str, str], field_name: str
) -> None:
    response = _submit(local, setup, b"Website\nacme.com\n", **fields)
    assert response.status_code == 422, response.text
    assert response.json()["details"][0]["field"] == field_name


def test_missing_file_or_blueprint_is_a_422(local: TestClient, setup: Setup, launches: Launches) -> None:
    token = setup.tenant.tokens["org_admin"]
    data = {"blueprint_id": setup.blueprint_id, "company_id": str(setup.tenant.company_ids[0])}
    # httpx only sends multipart when there is a file; build the body by hand.
    request = httpx.Request("POST", "http://x", data=data, files={"other": ("a.csv", b"x")})
    response = local.post(SUBMIT, content=request.read(), headers={**_auth(token), **request.headers})
    assert response.status_code == 422 and response.json()["details"][0]["field"] == "other"
    no_file = local.post(
        SUBMIT,
        content=b'--xyz\r\nContent-Disposition: form-data; name="blueprint_id"\r\n\r\n'
        + setup.blueprint_id.encode()
        + b"\r\n--xyz--\r\n",
        headers={**_auth(token), "content-type": "multipart/form-data; boundary=xyz"},
    )
    assert no_file.status_code == 422 and no_file.json()["details"][0]["field"] == "file"
    no_blueprint = _upload(local, token, b"Website\nacme.com\n", company_id=setup.tenant.company_ids[0])
    assert no_blueprint.status_code == 422 and no_blueprint.json()["details"][0]["field"] == "blueprint_id"
    truncated = local.post(
        SUBMIT,
        content=b'--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\nWebsite\n',
        headers={**_auth(token), "content-type": "multipart/form-data; boundary=xyz"},
    )
    assert truncated.status_code == 422 and "malformed multipart body" in truncated.json()["error"]


def test_a_file_without_a_column_for_a_declared_input_is_refused_in_one_line(
    local: TestClient, engine: Engine, setup: Setup, launches: Launches
) -> None:
    body = {"name": "needs a domain", "entity_inputs": ["company_domain"], "steps": STEPS}
    token = setup.tenant.tokens["org_admin"]
    created = local.post("/api/blueprints/create", json=body, headers=_auth(token))
    setup.blueprint_id = created.json()["data"]["id"]
    names_only = b"Company Name,Notes\n" + b"".join(b"Acme %d,x\n" % i for i in range(50))
    response = _submit(local, setup, names_only)
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["details"] == [{"field": "file", "message": body["error"]}]
    assert body["error"].startswith("no column of the file supplies company_domain")
    # A website column supplies the domain; a row without one is a bad row.
    response = _submit(local, setup, b"Company Name,Website\nAcme,https://acme.com/x\nGlobex,\n")
    assert response.status_code == 422, response.text
    assert [(d["line"], d["message"]) for d in response.json()["details"]] == [
        (3, "missing company_domain (the blueprint's entity_inputs)")
    ]
    response = _submit(local, setup, b"Company Name,Website\nAcme,https://acme.com/x\n")
    assert response.status_code == 200, response.text
    assert _runs(engine, response.json()["data"]["submission_id"])[0].context["company_domain"] == "acme.com"


def test_tenants_stay_in_their_org_and_company(
    local: TestClient, engine: Engine, setup: Setup, launches: Launches
) -> None:
    other = make_tenant(engine)
    csv = b"Website\nacme.com\n"
    c0, c1 = setup.tenant.company_ids
    # Another org's blueprint is a 404, exactly as a missing one.
    response = _upload(
        local,
        other.tokens["org_admin"],
        csv,
        blueprint_id=setup.blueprint_id,
        company_id=other.company_ids[0],
    )
    assert response.status_code == 404
    response = _upload(local, other.tokens["org_admin"], csv, blueprint_id=setup.blueprint_id, company_id=c0)
    assert response.status_code == 404
    assert _written(engine, setup.tenant) == (0, 0) and _written(engine, other) == (0, 0)
    # The org admin must name the company; a pinned admin gets its own and may name no other.
    token = setup.tenant.tokens["org_admin"]
    response = _upload(local, token, csv, blueprint_id=setup.blueprint_id)
    assert response.status_code == 422 and response.json()["details"][0]["field"] == "company_id"
    pinned = setup.tenant.tokens["company_admin"]
    assert _upload(local, pinned, csv, blueprint_id=setup.blueprint_id, company_id=c1).status_code == 403
    response = _upload(local, pinned, csv, blueprint_id=setup.blueprint_id)
    assert response.status_code == 200, response.text
    assert {r.company_id for r in _runs(engine, response.json()["data"]["submission_id"])} == {c0}
    assert local.post(SUBMIT, files={"file": ("a.csv", csv)}).status_code == 401


def test_the_super_admin_names_org_and_company(
    local: TestClient, engine: Engine, setup: Setup, launches: Launches
) -> None:
    csv = b"Website\nacme.com\n"
    fields = {"blueprint_id": setup.blueprint_id, "company_id": setup.tenant.company_ids[1]}
    response = _upload(local, SUPER_KEY, csv, **fields)
    assert response.status_code == 422 and response.json()["details"][0]["field"] == "org_id"
    response = _upload(local, SUPER_KEY, csv, org_id=setup.tenant.org_id, **fields)
    assert response.status_code == 200, response.text
    runs = _runs(engine, response.json()["data"]["submission_id"])
    assert [r.company_id for r in runs] == [setup.tenant.company_ids[1]]


def test_a_launch_failure_is_retried_after_the_answer(
    local: TestClient, engine: Engine, setup: Setup, launches: Launches
) -> None:
    launches.failures = 2
    response = _submit(local, setup, b"Website\nacme.com\n")
    assert response.status_code == 200
    data = response.json()["data"]
    assert data["status"] == "queued" and len(_runs(engine, data["submission_id"])) == 1
    assert launches.launched() == [UUID(data["submission_id"])] * 3


def test_an_upload_over_the_limit_is_a_413_and_writes_nothing(
    local: TestClient, engine: Engine, setup: Setup, launches: Launches, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(batch_upload, "_max_upload_bytes", lambda settings: 2_000)
    response = _submit(local, setup, b"Website\n" + b"acme.com\n" * 300)
    assert response.status_code == 413 and response.json()["code"] == "payload_too_large"
    assert _written(engine, setup.tenant) == (0, 0) and launches.launched() == []


def test_json_bodies_still_reach_the_json_route(local: TestClient, setup: Setup, launches: Launches) -> None:
    body = {"blueprint_id": setup.blueprint_id, "entities": []}
    response = local.post(SUBMIT, json=body, headers=_auth(setup.tenant.tokens["org_admin"]))
    assert response.status_code == 422 and response.json()["details"][0]["field"] == "entities"


@pytest.mark.parametrize("chunk", [1, 2, 7, 64, 1 << 20])
def test_the_multipart_parser_survives_any_chunking(tmp_path: Path, chunk: int) -> None:
    content = b"a,b\r\n" + b"--not-the-boundary\r\n" * 3 + bytes(range(256)) * 4
    request = httpx.Request(
        "POST",
        "http://x",
        data={"blueprint_id": "id", "map": ["a=b", "c=d"]},
        files={"file": ("f.csv", content)},
    )
    boundary = request.headers["content-type"].split("boundary=")[1].encode()
    # Leading blank lines and an epilogue are ignored (a preamble of text is not: no client sends one).
    body = b"\r\n" + request.read() + b"epilogue"
    upload = multipart.Upload(path=tmp_path / "f")
    with upload.path.open("wb") as sink:
        parser = multipart.UploadParser(boundary, upload, sink, batch_upload.FIELDS)
        for at in range(0, len(body), chunk):
            parser.feed(body[at : at + chunk])
        parser.close()
    assert upload.path.read_bytes() == content
    assert upload.filename == "f.csv" and upload.fields == {"blueprint_id": ["id"], "map": ["a=b", "c=d"]}


@pytest.mark.usefixtures("ray_cluster")
def test_an_uploaded_file_runs_on_the_cluster_and_exports(
    local: TestClient, engine: Engine, setup: Setup, world: World
) -> None:
    domains = world.sample_domains(5, seed_offset=61)
    csv = ("Domain\n" + "\n".join(domains) + "\n").encode()
    response = _submit(local, setup, csv)
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert data["status"] == "queued"
    deadline = time.monotonic() + 240
    with engine.connect() as conn:
        query = select(submissions.c.status).where(submissions.c.id == UUID(data["submission_id"]))
        while (status := conn.execute(query).scalar_one()) not in ("completed", "failed"):
            assert time.monotonic() < deadline, status
            conn.rollback()
            time.sleep(0.5)
        stored = conn.execute(
            select(company_entities.c.canonical_domain).where(
                company_entities.c.org_id == setup.tenant.org_id
            )
        ).scalars()
        assert set(stored) == set(domains)
    exported = local.post(
        "/api/v1/entities/export", json={"dataset": "companies"}, headers=_auth(setup.tenant.tokens["member"])
    )
    frame = pl.read_csv(io.BytesIO(exported.content))
    assert sorted(frame["canonical_domain"].to_list()) == sorted(domains)
