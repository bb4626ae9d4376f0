"""Entity records from a cumulative context: the §6 mapping, payload bounds, natural keys and ids."""

from __future__ import annotations

from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

import pytest

from cluster.entities import (
    MAX_PAYLOAD_VALUE_BYTES,
    canonical_payload,
    company_record,
    entity_id,
    natural_keys,
    person_record,
    phone_e164,
    source_providers,
)

ORG = UUID("00000000-0000-4000-8000-000000000001")


def test_namespace_is_the_url_namespace() -> None:
    assert str(NAMESPACE_URL) == "6ba7b811-9dad-11d1-80b4-00c04fd430c8"


RICH_COMPANY = {
    "company_domain": "https://www.Acme.com/about?x=1",
    "company_name": "  Acme   Corp ",
    "company_linkedin_url": "linkedin.com/company/Acme-Corp/",
    "industry_primary": "Software",
    "employee_count": "1,250.0",
    "employee_range": "1001-5000",
    "annual_revenue_range": "$100M-$500M",
    "hq_country_code": "US",
    "description_raw": "  Makes   anvils.\n",
    "confidence": "0.85",
    "source_providers": ["prospeo", "Blitzapi", "prospeo"],
    "source_provider": "companyenrich",
}


def test_company_record_maps_a_rich_context() -> None:
    record = company_record(RICH_COMPANY)
    assert record is not None
    assert {k: v for k, v in record.items() if k != "canonical_payload"} == {
        "canonical_domain": "acme.com",
        "canonical_name": "Acme Corp",
        "linkedin_url": "https://www.linkedin.com/company/acme-corp",
        "industry": "Software",
        "employee_count": 1250,
        "employee_range": "1001-5000",
        "revenue_band": "$100M-$500M",
        "hq_country": "US",
        "description": "Makes anvils.",
        "enrichment_confidence": 0.85,
        "source_providers": ["prospeo", "blitzapi", "companyenrich"],
    }
    # The payload keeps what the context said, verbatim.
    assert record["canonical_payload"]["company_domain"] == "https://www.Acme.com/about?x=1"


@pytest.mark.parametrize(
    ("context", "column", "expected"),
    [
        # The first source that parses wins; garbage falls through to the next source.
        ({"canonical_domain": "not a domain", "company_domain": "acme.io"}, "canonical_domain", "acme.io"),
        (
            {"canonical_domain": "a.io", "company_domain": "b.io", "domain": "c.io"},
            "canonical_domain",
            "a.io",
        ),
        ({"domain": "user@Mail.Acme.io"}, "canonical_domain", "mail.acme.io"),
        ({"company_website": "http://www.acme.io/pricing"}, "canonical_domain", "acme.io"),
        ({"canonical_name": "   ", "company_name": "Acme", "name": "Other"}, "canonical_name", "Acme"),
        ({"name": 42, "domain": "a.io"}, "canonical_name", None),
        ({"linkedin_url": "https://linkedin.com/in/jane", "domain": "a.io"}, "linkedin_url", None),
        ({"industry": "", "industry_primary": "Retail", "domain": "a.io"}, "industry", "Retail"),
        ({"employee_count": 35.9, "domain": "a.io"}, "employee_count", 35),
        ({"employee_count": "about 40", "domain": "a.io"}, "employee_count", None),
        ({"employee_count": True, "domain": "a.io"}, "employee_count", None),
        ({"employee_count": -3, "domain": "a.io"}, "employee_count", None),
        ({"employee_count": float("nan"), "domain": "a.io"}, "employee_count", None),
        ({"confidence": 85, "domain": "a.io"}, "enrichment_confidence", None),
        ({"enrichment_confidence": 1, "domain": "a.io"}, "enrichment_confidence", 1.0),
        ({"hq_country": None, "hq_country_code": " DE ", "domain": "a.io"}, "hq_country", "DE"),
        ({"description": "x" * 30_000, "domain": "a.io"}, "description", "x" * 10_000),
    ],
)
def test_company_columns_from_noisy_contexts(context: dict[str, Any], column: str, expected: Any) -> None:
    record = company_record(context)
    assert record is not None
    assert record[column] == expected


RICH_PERSON = {
    "first_name": " Jane ",
    "last_name": "Doe",
    "linkedin_url": "https://www.LinkedIn.com/in/Jane-Doe/",
    "headline": "Building things",
    "current_title": "VP Engineering",
    "seniority": "vp",
    "department": "engineering",
    "current_company_domain": "acme.com",
    "company_domain": "parent.example",
    "email": " Jane.Doe@ACME.com ",
    "verification": {"provider": "millionverifier", "status": "valid", "inconclusive": False},
    "mobile_phone": "(415) 555-2671",
    "confidence": 0.7,
    "source_provider": "leadmagic",
}


def test_person_record_maps_a_rich_context() -> None:
    record = person_record(RICH_PERSON)
    assert record is not None
    assert {k: v for k, v in record.items() if k != "canonical_payload"} == {
        "full_name": "Jane Doe",
        "first_name": "Jane",
        "last_name": "Doe",
        "linkedin_url": "https://www.linkedin.com/in/jane-doe",
        "title": "VP Engineering",
        "seniority": "vp",
        "department": "engineering",
        "company_domain": "acme.com",
        "work_email": "jane.doe@acme.com",
        "email_status": "valid",
        "phone_e164": "+14155552671",
        "contact_confidence": 0.7,
        "source_providers": ["leadmagic"],
    }


@pytest.mark.parametrize(
    ("context", "column", "expected"),
    [
        ({"full_name": "Jane Doe", "first_name": "J"}, "full_name", "Jane Doe"),
        ({"last_name": "Doe", "email": "x@a.io"}, "full_name", "Doe"),
        ({"title": "", "headline": "Founder", "email": "x@a.io"}, "title", "Founder"),
        ({"work_email": "not-an-email", "email": "B@A.IO"}, "work_email", "b@a.io"),
        # A company page is not a person's profile.
        ({"linkedin_url": "https://www.linkedin.com/company/acme", "email": "x@a.io"}, "linkedin_url", None),
        (
            {"email_status": "catch_all", "verification": {"status": "valid"}, "email": "x@a.io"},
            "email_status",
            "catch_all",
        ),
        ({"verification": "valid", "email": "x@a.io"}, "email_status", None),
        (
            {"phone_e164": "555-0100", "mobile_phone": "+44 20 7946 0958", "email": "x@a.io"},
            "phone_e164",
            "+442079460958",
        ),
        ({"mobile_phone": "call me", "email": "x@a.io"}, "phone_e164", None),
        ({"contact_confidence": -0.1, "confidence": 0.4, "email": "x@a.io"}, "contact_confidence", 0.4),
    ],
)
def test_person_columns_from_noisy_contexts(context: dict[str, Any], column: str, expected: Any) -> None:
    record = person_record(context)
    assert record is not None
    assert record[column] == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+1 (415) 555-2671", "+14155552671"),
        ("415.555.2671", "+14155552671"),
        ("1-415-555-2671", "+14155552671"),
        (4155552671, "+14155552671"),
        ("+44 20 7946 0958", "+442079460958"),
        ("0044 20 7946 0958", "+442079460958"),
        ("+4915112345678", "+4915112345678"),
        ("+1234567", None),  # 7 digits: too short
        ("+1234567890123456", None),  # 16 digits: too long
        ("+0123456789", None),  # no country code starts with 0
        ("0123456789", None),  # 10 digits but not a US number
        ("4150552671", None),  # US exchange cannot start with 0
        ("02079460958", None),  # national format without a country: unknowable
        ("+1 415 555 2671 ext 12", None),
        ("+\uff11\uff14\uff11\uff15\uff15\uff15\uff15\uff12\uff16\uff17\uff11", None),  # full-width digits
        ("", None),
        (None, None),
        (True, None),
        (4.15e9, None),
    ],
)
def test_phone_is_e164_or_nothing(raw: Any, expected: str | None) -> None:
    assert phone_e164(raw) == expected


def test_records_without_identity_are_none() -> None:
    assert company_record({"industry": "Software", "employee_count": 10}) is None
    assert company_record({"domain": "not a domain", "linkedin_url": "https://x.com/acme"}) is None
    assert person_record({"title": "CEO", "phone_e164": "+14155552671", "company_domain": "a.io"}) is None
    assert person_record({"email": "nope", "full_name": "   "}) is None
    assert company_record("not a mapping") is None  # type: ignore[arg-type]


def test_source_providers_are_ordered_and_deduplicated() -> None:
    assert source_providers({"source_providers": ["b", "a", "B", 3, None], "source_provider": "c"}) == [
        "b",
        "a",
        "c",
    ]
    assert source_providers({"source_providers": "prospeo"}) == []
    assert source_providers({}) == []


def test_canonical_payload_is_bounded() -> None:
    context = {
        "company_domain": "acme.com",
        "results": [{"full_name": "x"}],  # fan-out material: children carry it
        "people": [{"n": i} for i in range(101)],  # a list too long to be one entity's fact
        "tags": ["a"] * 100,
        "raw": "x" * (MAX_PAYLOAD_VALUE_BYTES + 1),
        "almost_raw": "x" * (MAX_PAYLOAD_VALUE_BYTES - 10),
        "blank": "   ",
        "missing": None,
        "nan": float("nan"),
        "nul": "a\x00b",
        "object": object(),
        "nested": {"deep": [1, 2, {"x": None}]},
        "zero": 0,
        "no": False,
        3: "not a key",
    }
    payload = canonical_payload(context)  # type: ignore[arg-type]
    assert set(payload) == {"company_domain", "tags", "almost_raw", "nested", "zero", "no"}
    assert payload["nested"] == {"deep": [1, 2, {"x": None}]}


@pytest.mark.parametrize(
    ("entity_type", "record", "expected"),
    [
        (
            "company",
            {
                "canonical_domain": "a.io",
                "linkedin_url": "https://www.linkedin.com/company/a",
                "canonical_name": "A Co",
            },
            [("domain", "a.io"), ("linkedin", "https://www.linkedin.com/company/a"), ("name", "a co")],
        ),
        ("company", {"canonical_name": "Acme"}, [("name", "acme")]),
        (
            "person",
            {
                "linkedin_url": "https://www.linkedin.com/in/j",
                "work_email": "j@a.io",
                "full_name": "J D",
                "company_domain": "a.io",
            },
            [
                ("linkedin", "https://www.linkedin.com/in/j"),
                ("work_email", "j@a.io"),
                ("full_name", "j d::a.io"),
            ],
        ),
        ("person", {"full_name": "Jane Doe"}, []),  # a name alone would merge strangers
        ("person", {"company_domain": "a.io"}, []),
        ("person", {"full_name": None, "company_domain": None}, []),  # never "None::None"
    ],
)
def test_natural_keys_in_priority_order(
    entity_type: Any, record: dict[str, Any], expected: list[Any]
) -> None:
    assert natural_keys(entity_type, record) == expected


def test_entity_ids_are_spelled_as_specified() -> None:
    company = company_record({"company_domain": "acme.com", "company_name": "Acme"})
    assert company is not None
    assert entity_id(ORG, "company", company) == uuid5(NAMESPACE_URL, f"company:{ORG}:domain:acme.com")
    by_name = company_record({"company_name": "Acme Corp"})
    assert by_name is not None
    assert entity_id(ORG, "company", by_name) == uuid5(NAMESPACE_URL, f"company:{ORG}:name:acme corp")
    person = person_record({"email": "J@A.io", "full_name": "J"})
    assert person is not None
    assert entity_id(ORG, "person", person) == uuid5(NAMESPACE_URL, f"person:{ORG}:work_email:j@a.io")


def test_one_company_through_different_spellings_has_one_id() -> None:
    spellings = ["https://www.Acme.com/", "acme.com", "ACME.COM.", "http://acme.com/about", "www.acme.com"]
    ids = set()
    for spelling in spellings:
        record = company_record({"company_domain": spelling})
        assert record is not None
        ids.add(entity_id(ORG, "company", record))
    assert len(ids) == 1


def test_ids_are_per_tenant() -> None:
    record = company_record({"domain": "acme.com"})
    assert record is not None
    other = UUID("00000000-0000-4000-8000-000000000002")
    assert entity_id(ORG, "company", record) != entity_id(other, "company", record)


def test_unnamed_people_do_not_collapse() -> None:
    jane = person_record({"full_name": "Jane Doe", "title": "CEO"})
    john = person_record({"full_name": "John Roe", "title": "CEO"})
    other_jane = person_record({"full_name": "Jane Doe", "title": "CFO"})
    assert jane is not None and john is not None and other_jane is not None
    ids = {entity_id(ORG, "person", r) for r in (jane, john, other_jane)}
    assert len(ids) == 3
    assert uuid5(NAMESPACE_URL, f"person:{ORG}:full_name:None::None") not in ids
    # Deterministic: the same context is the same keyless person on every run.
    again = person_record({"title": "CEO", "full_name": "Jane Doe"})
    assert again is not None
    assert entity_id(ORG, "person", again) == entity_id(ORG, "person", jane)
