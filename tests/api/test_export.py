"""POST /api/v1/entities/export: CSV and Parquet round-trips of the §11 v1 fields, pages, scoping, empties."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import polars as pl
import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine

from api.app import create_app
from api.services import export as export_service
from config import Settings
from tests.factories import SUPER_KEY
from tests.support.engine_rows import Tenant, add_company_entity, add_person_entity, make_tenant

EXPORT = "/api/v1/entities/export"
COMPANY_FIELDS = [
    "export_schema_version", "org_id", "company_id", "entity_id", "canonical_name", "canonical_domain",
    "linkedin_url", "linkedin_page_id", "industry", "employee_count", "revenue_band", "hq_country",
    "enrichment_confidence", "last_enriched_at", "last_operation_id", "last_run_id", "source_priority",
    "record_version", "updated_at",
]  # fmt: skip
PERSON_FIELDS = [
    "export_schema_version", "org_id", "company_id", "entity_id", "full_name", "first_name", "last_name",
    "linkedin_url", "title", "seniority", "department", "work_email", "email_status", "phone_e164",
    "contact_confidence", "last_enriched_at", "last_operation_id", "last_run_id", "record_version",
    "updated_at",
]  # fmt: skip
BASE = datetime(2025, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)
RUN_ID = UUID("00000000-0000-4000-8000-000000000001")


@pytest.fixture(scope="module")
def local(settings: Settings, engine: Engine) -> Iterator[TestClient]:
    """The app of its own for this module."""
    app = create_app(settings, engine)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


@dataclass
class Orgs:
    alpha: Tenant
    beta: Tenant
    ids: dict[str, UUID]


@pytest.fixture
def orgs(engine: Engine) -> Orgs:
    alpha, beta = make_tenant(engine), make_tenant(engine)
    c0, c1 = alpha.company_ids
    ids = {
        "acme": add_company_entity(
            engine,
            alpha,
            company_id=c0,
            updated_at=BASE,
            canonical_domain="acme.com",
            canonical_name='Acme, "the" company',
            linkedin_url="https://www.linkedin.com/company/acme",
            industry="Computer Software",
            employee_count=120,
            revenue_band="$10M-$50M",
            hq_country="US",
            enrichment_confidence="0.9000",
            last_enriched_at=BASE - timedelta(hours=1),
            last_operation_id="company.enrich.profile",
            last_run_id=RUN_ID,
            source_providers=["prospeo", "blitzapi"],
            canonical_payload={"company_linkedin_id": 4242, "domain": "acme.com"},
            record_version=3,
        ),
        "globex": add_company_entity(
            engine, alpha, company_id=c1, updated_at=BASE + timedelta(minutes=5), canonical_domain="globex.io"
        ),
        "initech": add_company_entity(
            engine, alpha, company_id=c0, updated_at=BASE + timedelta(minutes=10), canonical_name="Initech"
        ),
        "beta_acme": add_company_entity(
            engine, beta, company_id=beta.company_ids[0], updated_at=BASE, canonical_domain="acme.com"
        ),
        "ada": add_person_entity(
            engine,
            alpha,
            company_id=c0,
            updated_at=BASE,
            full_name="Ada Lovelace",
            first_name="Ada",
            last_name="Lovelace",
            linkedin_url="https://www.linkedin.com/in/ada",
            title="VP Engineering",
            seniority="vp",
            department="Engineering",
            work_email="ada@acme.com",
            email_status="valid",
            phone_e164="+14155550100",
            contact_confidence="0.7500",
            record_version=2,
        ),
        "grace": add_person_entity(
            engine, alpha, company_id=c1, updated_at=BASE + timedelta(minutes=1), full_name="Grace Hopper"
        ),
    }
    return Orgs(alpha=alpha, beta=beta, ids=ids)


def _export(local: TestClient, token: str, **body: Any) -> Response:
    return local.post(EXPORT, json=body, headers={"Authorization": f"Bearer {token}"})


def _frame(response: Response) -> pl.DataFrame:
    assert response.status_code == 200, response.text
    if response.headers["content-type"].startswith("text/csv"):
        return pl.read_csv(io.BytesIO(response.content), try_parse_dates=True)
    return pl.read_parquet(io.BytesIO(response.content))


def _names(orgs: Orgs, frame: pl.DataFrame) -> list[str]:
    by_id = {str(v): k for k, v in orgs.ids.items()}
    return [by_id[value] for value in frame["entity_id"].to_list()]


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_companies_round_trip_with_the_v1_fields(local: TestClient, orgs: Orgs, fmt: str) -> None:
    response = _export(local, orgs.alpha.tokens["org_admin"], dataset="companies", format=fmt)
    frame = _frame(response)
    assert frame.columns == COMPANY_FIELDS
    assert _names(orgs, frame) == ["acme", "globex", "initech"]  # oldest update first
    disposition = response.headers["content-disposition"]
    assert (
        disposition.startswith('attachment; filename="dx_company_entities_v1-') and f'.{fmt}"' in disposition
    )
    expected_type = "text/csv; charset=utf-8" if fmt == "csv" else "application/vnd.apache.parquet"
    assert response.headers["content-type"] == expected_type
    acme = frame.row(0, named=True)
    assert acme == {
        "export_schema_version": "v1",
        "org_id": str(orgs.alpha.org_id),
        "company_id": str(orgs.alpha.company_ids[0]),
        "entity_id": str(orgs.ids["acme"]),
        "canonical_name": 'Acme, "the" company',
        "canonical_domain": "acme.com",
        "linkedin_url": "https://www.linkedin.com/company/acme",
        "linkedin_page_id": 4242 if fmt == "csv" else "4242",  # CSV readers infer the number
        "industry": "Computer Software",
        "employee_count": 120,
        "revenue_band": "$10M-$50M",
        "hq_country": "US",
        "enrichment_confidence": 0.9,
        "last_enriched_at": BASE - timedelta(hours=1),
        "last_operation_id": "company.enrich.profile",
        "last_run_id": str(RUN_ID),
        "source_priority": "prospeo,blitzapi",
        "record_version": 3,
        "updated_at": BASE,
    }
    globex = frame.row(1, named=True)
    assert globex["canonical_domain"] == "globex.io" and globex["record_version"] == 1
    assert globex["canonical_name"] is None and globex["source_priority"] is None
    assert globex["company_id"] == str(orgs.alpha.company_ids[1])


def test_parquet_types_and_contract_tags(local: TestClient, orgs: Orgs) -> None:
    response = _export(
        local, orgs.alpha.tokens["org_admin"], dataset="dx_company_entities_v1", format="parquet"
    )
    assert response.headers["content-length"] == str(len(response.content))
    frame = _frame(response)
    assert frame.schema["employee_count"] == pl.Int64
    assert frame.schema["enrichment_confidence"] == pl.Float64
    assert frame.schema["updated_at"] == pl.Datetime("us", "UTC")
    assert frame.schema["entity_id"] == pl.String
    import pyarrow.parquet as pq

    tags = pq.read_schema(io.BytesIO(response.content)).metadata
    assert tags[b"export_schema_version"] == b"v1" and tags[b"dataset"] == b"dx_company_entities_v1"


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
@pytest.mark.parametrize("dataset", ["persons", "dx_person_entities_v1"])
def test_persons_round_trip(local: TestClient, orgs: Orgs, fmt: str, dataset: str) -> None:
    response = _export(local, orgs.alpha.tokens["org_admin"], dataset=dataset, format=fmt)
    frame = _frame(response)
    assert 'filename="dx_person_entities_v1-' in response.headers["content-disposition"]
    assert frame.columns == PERSON_FIELDS
    assert _names(orgs, frame) == ["ada", "grace"]
    ada = frame.row(0, named=True)
    assert {k: ada[k] for k in ("full_name", "work_email", "phone_e164", "email_status", "seniority")} == {
        "full_name": "Ada Lovelace",
        "work_email": "ada@acme.com",
        "phone_e164": "+14155550100",
        "email_status": "valid",
        "seniority": "vp",
    }
    assert ada["contact_confidence"] == 0.75 and ada["record_version"] == 2 and ada["updated_at"] == BASE
    assert ada["export_schema_version"] == "v1" and ada["org_id"] == str(orgs.alpha.org_id)


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_pages_follow_the_keyset_even_through_equal_timestamps(
    local: TestClient, engine: Engine, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    tenant = make_tenant(engine)
    # Seven rows share one updated_at: only the entity_id tie-break keeps pages from skipping or repeating.
    ids = [add_company_entity(engine, tenant, updated_at=BASE, canonical_name=f"same {i}") for i in range(7)]
    ids += [add_company_entity(engine, tenant, updated_at=BASE + timedelta(seconds=i)) for i in (1, 2, 3)]
    monkeypatch.setattr(export_service, "PAGE_ROWS", 3)
    frame = _frame(_export(local, tenant.tokens["org_admin"], dataset="companies", format=fmt))
    expected = sorted(str(i) for i in ids[:7]) + [str(i) for i in ids[7:]]
    assert frame["entity_id"].to_list() == expected


def test_updated_since_is_inclusive(local: TestClient, orgs: Orgs) -> None:
    token = orgs.alpha.tokens["org_admin"]
    since = (BASE + timedelta(minutes=5)).isoformat()
    assert _names(orgs, _frame(_export(local, token, dataset="companies", updated_since=since))) == [
        "globex",
        "initech",
    ]
    naive = (BASE + timedelta(minutes=6)).replace(tzinfo=None).isoformat()  # read as UTC
    assert _names(orgs, _frame(_export(local, token, dataset="companies", updated_since=naive))) == [
        "initech"
    ]


def test_another_orgs_rows_never_appear(local: TestClient, orgs: Orgs) -> None:
    beta = _frame(_export(local, orgs.beta.tokens["org_admin"], dataset="companies"))
    assert _names(orgs, beta) == ["beta_acme"]
    alpha_company = str(orgs.alpha.company_ids[0])
    response = _export(local, orgs.beta.tokens["org_admin"], dataset="companies", company_id=alpha_company)
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    response = _export(
        local, orgs.beta.tokens["org_admin"], dataset="companies", org_id=str(orgs.alpha.org_id)
    )
    assert response.status_code == 403


def test_the_super_admin_names_the_org(local: TestClient, orgs: Orgs) -> None:
    response = _export(local, SUPER_KEY, dataset="companies")
    assert response.status_code == 422 and response.json()["details"][0]["field"] == "org_id"
    frame = _frame(
        _export(local, SUPER_KEY, dataset="companies", org_id=str(orgs.beta.org_id), format="parquet")
    )
    assert _names(orgs, frame) == ["beta_acme"]


def test_pinned_callers_export_their_company_only(local: TestClient, orgs: Orgs) -> None:
    c0, c1 = (str(c) for c in orgs.alpha.company_ids)
    org_admin = _frame(_export(local, orgs.alpha.tokens["org_admin"], dataset="companies", company_id=c1))
    assert _names(orgs, org_admin) == ["globex"]
    for role in ("company_admin", "member"):
        token = orgs.alpha.tokens[role]
        assert _names(orgs, _frame(_export(local, token, dataset="companies"))) == ["acme", "initech"]
        assert _names(orgs, _frame(_export(local, token, dataset="persons", format="parquet"))) == ["ada"]
        response = _export(local, token, dataset="companies", company_id=c1)
        assert response.status_code == 403
    assert _names(
        orgs, _frame(_export(local, orgs.alpha.tokens["member"], dataset="companies", company_id=c0))
    )


def test_an_empty_export_still_carries_the_schema(local: TestClient, engine: Engine) -> None:
    tenant = make_tenant(engine)
    csv = _export(local, tenant.tokens["org_admin"], dataset="companies", format="csv")
    assert csv.status_code == 200 and csv.text == ",".join(COMPANY_FIELDS) + "\n"
    parquet = _frame(_export(local, tenant.tokens["org_admin"], dataset="persons", format="parquet"))
    assert parquet.height == 0 and parquet.columns == PERSON_FIELDS
    assert parquet.schema["updated_at"] == pl.Datetime("us", "UTC")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"dataset": "accounts"}, "dataset"),
        ({"dataset": "companies", "format": "xlsx"}, "format"),
        ({"dataset": "companies", "colour": "red"}, "colour"),
        ({"dataset": "companies", "updated_since": "yesterday"}, "updated_since"),
    ],
)
def test_bad_requests_are_a_422_naming_the_field(
    local: TestClient, orgs: Orgs, body: dict[str, Any], field: str
) -> None:
    response = _export(local, orgs.alpha.tokens["org_admin"], **body)
    assert response.status_code == 422
    assert response.json()["details"][0]["field"] == field


def test_no_credentials_is_a_401(local: TestClient) -> None:
    assert local.post(EXPORT, json={"dataset": "companies"}).status_code == 401
