"""RevenueInfra adapter, offline: request building and parsing of bodies in the assumed contract's shapes."""

from __future__ import annotations

import json

import pytest

from providers import revenueinfra as ri
from providers.base import Action, Credentials, ErrorClass, Outcome, RequestSpec, Skip
from providers.http import HttpResponse
from providers.revenueinfra import pricing, research

KEY = Credentials(api_key="ri-key")
ACTIONS: dict[str, Action] = {**research.ACTIONS, **pricing.ACTIONS}


def _response(status: int, body: object, headers: dict[str, str] | None = None) -> HttpResponse:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return HttpResponse(status=status, headers=headers or {}, body=raw, elapsed_ms=1.0)


def _spec(action: str, inputs: dict[str, object]) -> RequestSpec:
    spec = ACTIONS[action].build(inputs, KEY)
    assert isinstance(spec, RequestSpec)
    return spec


def _ok(payload: dict[str, object]) -> dict[str, object]:
    return {"success": True, "data": payload}


# Bodies written by us in the contract the package docstring states (and the seed's top-level variant).
COMPETITORS = _ok(
    {
        "competitors": [
            {"name": "Northwind Data", "domain": "northwind.io",
             "linkedin_url": "https://www.linkedin.com/company/northwind"},
            {"name": "Contoso Analytics", "domain": "contoso.com", "linkedin_url": None},
            "not an object",
            {"unrelated": 1},
        ]
    }
)  # fmt: skip
NOT_FOUND = {
    "success": False,
    "error": {"code": "not_found", "message": "No data for company 'acme.example'"},
}


def test_every_action_is_declared_with_the_assumed_limits() -> None:
    expected = {
        "competitors",
        "similar_companies",
        "customers",
        "champions",
        "champion_testimonials",
        "alumni",
    }
    expected |= {"vc_funding"} | {f"pricing_{field}" for field in pricing.FIELDS}
    assert set(ri.PROVIDER.actions) == expected and dict(ri.PROVIDER.actions) == ACTIONS
    assert len(pricing.FIELDS) == 14
    assert ri.PROVIDER.base_url == "https://api.revenueinfra.com"
    assert ri.PROVIDER.rate_limit.per_second == 20 and ri.PROVIDER.rate_limit.concurrency == 20


def test_build_posts_json_with_a_bearer_key_and_cleans_the_domain() -> None:
    spec = _spec("customers", {"company_website": "https://www.Acme.com/about?x=1"})
    assert spec.method == "POST" and spec.path == "/run/companies/db/company-customers/lookup"
    assert spec.headers == {"Authorization": "Bearer ri-key"} and spec.json == {"domain": "acme.com"}
    assert _spec("alumni", {"company_domain": "acme.com"}).json == {"past_company_domain": "acme.com"}
    by_name = _spec("competitors", {"company_name": " Acme Corp "})
    assert by_name.json == {"company_name": "Acme Corp"} and by_name.timeout_s == 180


def test_missing_inputs_and_key_skip() -> None:
    assert ACTIONS["similar_companies"].build({"company_name": "Acme"}, KEY) == Skip(
        "missing_required_inputs", ("company_domain|company_website",)
    )
    skipped = ACTIONS["competitors"].build({"company_domain": "  "}, KEY)
    assert isinstance(skipped, Skip) and skipped.missing == ("company_domain|company_website|company_name",)
    no_url = ACTIONS["pricing_free_trial"].build({"company_domain": "acme.com"}, KEY)
    assert isinstance(no_url, Skip) and no_url.missing == ("pricing_page_url",)
    no_key = ACTIONS["vc_funding"].build({"company_domain": "acme.com"}, Credentials(api_key=None))
    assert isinstance(no_key, Skip) and no_key.reason == "missing_provider_api_key"


def test_competitors_found_normalized_and_seed_shape_accepted() -> None:
    parsed = ACTIONS["competitors"].parse(_response(200, COMPETITORS))
    assert parsed.outcome is Outcome.FOUND and parsed.cost_usd == research.COMPETITORS_COST_USD
    assert parsed.data == {
        "competitors": [
            {"name": "Northwind Data", "domain": "northwind.io",
             "linkedin_url": "https://www.linkedin.com/company/northwind"},
            {"name": "Contoso Analytics", "domain": "contoso.com", "linkedin_url": None},
        ]
    }  # fmt: skip
    top_level = {"success": True, "competitors": [{"name": "Northwind Data", "domain": "northwind.io"}]}
    seed_shape = ACTIONS["competitors"].parse(_response(200, top_level))
    assert seed_shape.outcome is Outcome.FOUND and seed_shape.data is not None
    assert seed_shape.data["competitors"][0]["domain"] == "northwind.io"


def test_known_company_with_an_empty_list_is_found_and_unknown_is_not_found() -> None:
    empty = ACTIONS["customers"].parse(_response(200, _ok({"customers": []})))
    assert empty.outcome is Outcome.FOUND and empty.data == {"customers": []}
    unknown = ACTIONS["customers"].parse(_response(404, NOT_FOUND))
    assert unknown.outcome is Outcome.NOT_FOUND and unknown.provider_status == "not_found"
    in_a_200 = ACTIONS["customers"].parse(_response(200, NOT_FOUND))
    assert in_a_200.outcome is Outcome.NOT_FOUND


def test_a_404_without_the_services_code_is_a_provider_error_not_a_miss() -> None:
    parsed = ACTIONS["alumni"].parse(_response(404, {"detail": "Not Found"}))
    assert parsed.outcome is Outcome.FAILED and parsed.error_class is ErrorClass.PROVIDER_ERROR


@pytest.mark.parametrize(
    ("status", "code", "outcome", "error"),
    [
        (401, "unauthorized", Outcome.FAILED, ErrorClass.BAD_KEY),
        (402, "insufficient_credits", Outcome.FAILED, ErrorClass.NO_CREDITS),
        (422, "invalid_request", Outcome.FAILED, ErrorClass.BAD_INPUT),
        (429, "rate_limited", Outcome.RETRYABLE, ErrorClass.RATE_LIMITED),
        (500, "internal_error", Outcome.RETRYABLE, ErrorClass.SERVER_ERROR),
        (503, None, Outcome.RETRYABLE, ErrorClass.SERVER_ERROR),
    ],
)
def test_error_statuses(status: int, code: str | None, outcome: Outcome, error: ErrorClass) -> None:
    body = {"success": False, "error": {"code": code, "message": "boom"}} if code else b""
    parsed = ACTIONS["champions"].parse(_response(status, body, {"retry-after": "7"}))
    assert parsed.outcome is outcome and parsed.error_class is error and parsed.http_status == status
    if status == 429:
        assert parsed.retry_after_s == 7
    if code:
        assert parsed.provider_status == code


def test_success_false_in_a_200_is_classified_by_its_code() -> None:
    body = {"success": False, "error": {"code": "insufficient_credits", "message": "no credits"}}
    assert ACTIONS["similar_companies"].parse(_response(200, body)).error_class is ErrorClass.NO_CREDITS
    other = ACTIONS["similar_companies"].parse(_response(200, {"success": False, "error": "db down"}))
    assert other.outcome is Outcome.FAILED and other.error_class is ErrorClass.PROVIDER_ERROR
    assert other.message == "db down"


def test_unreadable_or_incomplete_bodies_are_malformed() -> None:
    for body in (b"<html>", _ok({"similar": []}), [1, 2]):
        parsed = ACTIONS["similar_companies"].parse(_response(200, body))
        assert parsed.outcome is Outcome.FAILED and parsed.error_class is ErrorClass.MALFORMED_BODY


def test_similar_scores_become_numbers() -> None:
    body = _ok(
        {
            "similar_companies": [
                {"company_name": "Peer", "company_domain": "peer.io", "company_linkedin_url": None,
                 "similarity_score": "0.82"},
                {"company_name": "Other", "company_domain": "other.io", "similarity_score": 0.7},
            ],
            "similar_count": 2,
        }
    )  # fmt: skip
    parsed = ACTIONS["similar_companies"].parse(_response(200, body))
    assert parsed.data is not None
    assert [row["similarity_score"] for row in parsed.data["similar_companies"]] == [0.82, 0.7]
    assert parsed.data["similar_companies"][1]["company_linkedin_url"] is None and parsed.cost_usd == 0


def test_champions_carry_a_testimonial_only_from_the_detailed_lookup() -> None:
    champion = {
        "full_name": "Dana Reyes", "job_title": "VP Operations",
        "linkedin_url": "https://www.linkedin.com/in/dana",
        "company_name": "Globex", "company_domain": "globex.com",
        "company_linkedin_url": "https://www.linkedin.com/company/globex",
        "case_study_url": "https://acme.com/customers/globex", "testimonial": "Acme cut our close by 4 days.",
    }  # fmt: skip
    plain = ACTIONS["champions"].parse(_response(200, _ok({"champions": [champion]})))
    detailed = ACTIONS["champion_testimonials"].parse(_response(200, _ok({"champions": [champion]})))
    assert plain.data is not None and detailed.data is not None
    assert set(plain.data["champions"][0]) == set(research.CHAMPION_FIELDS)
    assert detailed.data["champions"][0]["testimonial"] == "Acme cut our close by 4 days."


def test_alumni_items_keep_exactly_the_contract_fields() -> None:
    person = {field: f"value of {field}" for field in research.ALUMNI_FIELDS} | {"extra": "dropped"}
    parsed = ACTIONS["alumni"].parse(_response(200, _ok({"alumni": [person]})))
    assert parsed.data is not None and parsed.data["alumni"] == [
        {f: person[f] for f in research.ALUMNI_FIELDS}
    ]


def test_vc_funding_counts_and_names() -> None:
    body = _ok(
        {
            "has_raised_vc": True, "vc_count": 1, "vc_names": [],
            "vcs": [{"vc_name": "Sequoia Capital", "vc_domain": "https://www.sequoiacap.com"},
                    {"vc_name": "Accel", "vc_domain": None}, {"vc_domain": "nameless.vc"}],
            "founded_date": "2019-04-02",
        }
    )  # fmt: skip
    parsed = ACTIONS["vc_funding"].parse(_response(200, body))
    assert parsed.outcome is Outcome.FOUND and parsed.data == {
        "has_raised_vc": True,
        "vc_count": 2,
        "vc_names": ["Sequoia Capital", "Accel"],
        "vcs": [
            {"vc_name": "Sequoia Capital", "vc_domain": "sequoiacap.com"},
            {"vc_name": "Accel", "vc_domain": None},
        ],
        "founded_date": "2019-04-02",
    }  # fmt: skip
    never = ACTIONS["vc_funding"].parse(
        _response(200, _ok({"has_raised_vc": False, "vcs": [], "vc_names": []}))
    )
    assert never.outcome is Outcome.FOUND and never.data is not None and never.data["vc_count"] == 0
    assert (
        ACTIONS["vc_funding"].parse(_response(200, _ok({"vcs": []}))).error_class is ErrorClass.MALFORMED_BODY
    )


def test_pricing_build_is_one_path_per_field_and_derives_the_domain() -> None:
    spec = _spec("pricing_security_compliance_gating", {"pricing_page_url": "https://www.acme.com/pricing/"})
    assert spec.path == "/run/companies/gemini/security-compliance-gating/infer"
    assert spec.json == {"domain": "acme.com", "pricing_page_url": "https://www.acme.com/pricing/"}
    named = _spec(
        "pricing_free_trial",
        {"pricing_page_url": "https://acme.com/pricing", "company_domain": "acme.io", "company_name": "Acme"},
    )
    assert named.json == {
        "domain": "acme.io",
        "pricing_page_url": "https://acme.com/pricing",
        "company_name": "Acme",
    }


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("free_trial", "Yes", "yes"),
        ("free_trial", "demo_only", "demo_only"),
        ("money_back_guarantee", False, "no"),
        ("enterprise_tier_exists", "true", "yes"),
        ("number_of_tiers", 3, 3),
        ("number_of_tiers", "2", 2),
        ("number_of_tiers", "4+", "4+"),
        ("minimum_seats", 5, "5"),
    ],
)
def test_pricing_values_are_normalized(field: str, value: object, expected: object) -> None:
    body = _ok({"domain": "acme.com", "pricing_page_url": "https://acme.com/pricing", field: value})
    parsed = ACTIONS[f"pricing_{field}"].parse(_response(200, body))
    assert parsed.outcome is Outcome.FOUND and parsed.data == {field: expected}
    assert parsed.cost_usd == pricing.COST_PER_ANALYSIS_USD


def test_pricing_undetermined_missing_and_unknown_page() -> None:
    undetermined = ACTIONS["pricing_sales_motion"].parse(_response(200, _ok({"sales_motion": None})))
    assert undetermined.outcome is Outcome.NOT_FOUND and undetermined.provider_status == "undetermined"
    top_level = ACTIONS["pricing_sales_motion"].parse(_response(200, {"sales_motion": "hybrid"}))
    assert top_level.data == {"sales_motion": "hybrid"}
    absent = ACTIONS["pricing_sales_motion"].parse(_response(200, _ok({"pricing_model": "flat"})))
    assert absent.error_class is ErrorClass.MALFORMED_BODY
    assert ACTIONS["pricing_sales_motion"].parse(_response(404, NOT_FOUND)).outcome is Outcome.NOT_FOUND
