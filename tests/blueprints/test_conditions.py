"""The condition grammar and evaluator: every operator of the spec, groups, paths, and the fixed flaws."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from blueprints.conditions import evaluate, parse_condition
from blueprints.schema import StepConfig

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
        (leaf("company_domain", "in", ["acme.com", "x.io"]), True),
        (leaf("employee_count", "in", ["120", 5]), True),
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
    ],
)
def test_evaluate(condition: Any, expected: bool) -> None:
    assert evaluate(parse_condition(condition), CONTEXT) is expected


def _problems(condition: Any) -> list[tuple[str, str]]:
    """The (path, message) of each error of a step_config holding this condition."""
    with pytest.raises(ValidationError) as refused:
        StepConfig.model_validate({"condition": condition})
    return [(".".join(map(str, e["loc"])), e["msg"]) for e in refused.value.errors()]


# What the old evaluator met at run time (and counted false, or true for a junk child) is now refused
# when the blueprint is written, each problem at the path of the key that is wrong.
@pytest.mark.parametrize(
    ("condition", "path", "problem"),
    [
        ("text", "condition", "must be an object"),
        ({"all": "x"}, "condition.all", "valid list"),
        ({"all": [], "any": []}, "condition", "exactly one of all/any"),
        ({"all": ["junk"]}, "condition.all.0", "must be an object"),
        ({"all": [leaf("company_domain", "exists"), "junk"]}, "condition.all.1", "must be an object"),
        ({"any": [{}]}, "condition.any.0", "is empty"),
        ({"field": "a", "op": "regex", "value": 1}, "condition", "op must be one of"),
        ({"field": "a"}, "condition", "op must be one of"),
        ({"field": "", "op": "exists"}, "condition.field", "dotted path"),
        ({"field": "a..b", "op": "exists"}, "condition.field", "dotted path"),
        ({"field": 5, "op": "eq", "value": 1}, "condition.field", "valid string"),
        ({"field": "a", "op": "eq"}, "condition.value", "Field required"),
        ({"field": "a", "op": "contains"}, "condition.value", "Field required"),
        ({"field": "a", "op": "gt", "value": "many"}, "condition.value", "must be a number for op gt"),
        ({"field": "a", "op": "lte", "value": True}, "condition.value", "must be a number for op lte"),
        ({"field": "a", "op": "in", "value": "x"}, "condition.value", "valid list"),
        ({"field": "a", "op": "contains", "value": {"x": 1}}, "condition.value", "text or a number"),
        ({"field": "a", "op": "exists", "extra": 1}, "condition.extra", "Extra inputs"),
        (
            {"any": [leaf("a", "exists"), {"all": [leaf("b", "gte", "x")]}]},
            "condition.any.1.all.0.value",
            "must be a number",
        ),
    ],
)
def test_malformed_conditions_are_refused_at_their_path(condition: Any, path: str, problem: str) -> None:
    problems = _problems(condition)
    assert any(at == path and problem in message for at, message in problems), problems


def test_well_formed_conditions_read_back_as_written() -> None:
    condition = {"any": [leaf("a.b", "exists"), {"all": [leaf("c", "gte", "3"), leaf("d", "in", [1, "x"])]}]}
    for written in (condition, None, {}, leaf("a", "exists", "ignored"), leaf("n", "eq", None)):
        config = StepConfig.model_validate({"condition": written, "max_results": 5})
        assert config.model_dump() == {"condition": written, "max_results": 5}
        assert config.params == {"max_results": 5}
