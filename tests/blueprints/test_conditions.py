"""The condition evaluator and checker: every operator of the spec, groups, paths, and the fixed flaws."""

from __future__ import annotations

from typing import Any

import pytest

from blueprints.conditions import condition_problems, evaluate

CONTEXT: dict[str, Any] = {
    "company_domain": "acme.com",
    "employee_count": 120,
    "employee_text": "120",
    "blank": "   ",
    "nothing": None,
    "empty_list": [],
    "empty_object": {},
    "zero": 0,
    "no": False,
    "tags": ["B2B", "SaaS"],
    "company_profile": {"industry_primary": "Software", "hq": {"country": "US"}},
    "title": "VP of Sales",
}


def leaf(field: str, op: str, value: Any = ...) -> dict[str, Any]:
    return {"field": field, "op": op} if value is ... else {"field": field, "op": op, "value": value}


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        (None, True),
        ({}, True),
        (leaf("company_domain", "exists"), True),
        (leaf("blank", "exists"), False),
        (leaf("nothing", "exists"), False),
        (leaf("empty_list", "exists"), False),
        (leaf("empty_object", "exists"), True),
        (leaf("zero", "exists"), True),
        (leaf("no", "exists"), True),
        (leaf("missing", "exists"), False),
        (leaf("company_domain", "eq", "acme.com"), True),
        (leaf("employee_count", "eq", "120"), True),  # §12.14 fixed: "120" equals 120
        (leaf("employee_text", "eq", 120), True),
        (leaf("no", "eq", 0), False),  # a boolean is not a number
        (leaf("company_domain", "ne", "other.com"), True),
        (leaf("nothing", "ne", "x"), True),
        (leaf("nothing", "ne", None), False),
        (leaf("missing", "ne", "x"), False),  # a field that is not found is false for every op
        (leaf("employee_count", "gt", 100), True),
        (leaf("employee_count", "gte", 120), True),
        (leaf("employee_count", "lt", "200"), True),
        (leaf("employee_text", "lte", 119), False),
        (leaf("company_domain", "gt", 1), False),
        (leaf("title", "contains", "Sales"), True),
        (leaf("title", "contains", "sales"), False),
        (leaf("title", "icontains", "SALES"), True),
        (leaf("tags", "contains", "SaaS"), True),
        (leaf("tags", "contains", "Saa"), False),  # §12.14 fixed: membership, not joined text
        (leaf("tags", "icontains", "saas"), True),
        (leaf("title", "contains"), False),
        (leaf("company_domain", "in", ["acme.com", "x.io"]), True),
        (leaf("employee_count", "in", ["120", 5]), True),
        (leaf("company_domain", "in", "acme.com"), False),
        (leaf("company_profile.industry_primary", "eq", "Software"), True),
        (leaf("company_profile.hq.country", "eq", "US"), True),
        (leaf("company_profile.hq.city", "exists"), False),
        (leaf("tags.0", "eq", "B2B"), False),  # no array indexing
        ({"all": [leaf("company_domain", "exists"), leaf("employee_count", "gt", 100)]}, True),
        ({"all": [leaf("company_domain", "exists"), leaf("employee_count", "gt", 500)]}, False),
        ({"all": []}, True),
        ({"any": [leaf("missing", "exists"), leaf("employee_count", "gt", 100)]}, True),
        ({"any": []}, False),
        ({"any": [{"all": [leaf("zero", "eq", 0)]}, leaf("missing", "exists")]}, True),
        ({"all": [leaf("company_domain", "exists"), "junk"]}, False),  # §12.14 fixed: junk is false
        ({"all": "not a list"}, False),
        ({"field": 5, "op": "eq", "value": 1}, False),
        (leaf("company_domain", "regex", ".*"), False),
        ("not an object", False),
    ],
)
def test_evaluate(condition: Any, expected: bool) -> None:
    assert evaluate(condition, CONTEXT) is expected


@pytest.mark.parametrize(
    ("condition", "problem"),
    [
        ("text", "must be an object"),
        ({"all": "x"}, "must be a list"),
        ({"all": [], "any": []}, "exactly one of all/any"),
        ({"all": ["junk"]}, "must be an object"),
        ({"any": [{}]}, "is empty"),
        ({"field": "a", "op": "regex", "value": 1}, "op must be one of"),
        ({"field": "", "op": "exists"}, "dotted path"),
        ({"field": "a..b", "op": "exists"}, "dotted path"),
        ({"field": "a", "op": "eq"}, "value is required"),
        ({"field": "a", "op": "gt", "value": "many"}, "must be a number"),
        ({"field": "a", "op": "in", "value": "x"}, "must be a list"),
        ({"field": "a", "op": "contains", "value": {"x": 1}}, "text or a number"),
        ({"field": "a", "op": "exists", "extra": 1}, "unknown keys"),
    ],
)
def test_malformed_conditions_are_named(condition: Any, problem: str) -> None:
    problems = condition_problems(condition)
    assert problems and any(problem in p for p in problems), problems


def test_well_formed_conditions_have_no_problems() -> None:
    condition = {"any": [leaf("a.b", "exists"), {"all": [leaf("c", "gte", "3"), leaf("d", "in", [1, "x"])]}]}
    assert (
        condition_problems(condition) == []
        and condition_problems(None) == []
        and condition_problems({}) == []
    )
