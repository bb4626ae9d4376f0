"""Step conditions: a well-formedness check (at blueprint write) and a pure evaluator (at run time).

Grammar (CONTRACTS §2): `null | {} | Leaf | {"all": [Cond…]} | {"any": [Cond…]}` with
`Leaf = {"field": "a.b.c", "op": Op, "value"?: any}` and Op one of exists, eq, ne, lt, gt, lte, gte,
contains, icontains, in. Semantics follow the old evaluator, with its known flaws fixed (§12.14):
a malformed child is refused when the blueprint is written (and is false, never true, at run time);
`eq`/`ne`/`in` treat a number and its numeric string as equal ("120" == 120); `contains` on a list
tests membership rather than matching inside the joined text.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

OPERATORS = ("exists", "eq", "ne", "lt", "gt", "lte", "gte", "contains", "icontains", "in")
_NUMERIC = ("lt", "gt", "lte", "gte")
_MISSING = object()


def condition_problems(condition: Any, path: str = "condition") -> list[str]:
    """Return what is wrong with a condition (empty when it is well-formed)."""
    if condition is None or condition == {}:
        return []
    if not isinstance(condition, Mapping):
        return [f"{path} must be an object"]
    groups = [key for key in ("all", "any") if key in condition]
    if groups:
        if len(condition) != 1:
            return [f"{path} must have exactly one of all/any, and nothing else"]
        children = condition[groups[0]]
        if not isinstance(children, list):
            return [f"{path}.{groups[0]} must be a list of conditions"]
        problems: list[str] = []
        for index, child in enumerate(children):
            if child is None or child == {}:
                problems.append(f"{path}.{groups[0]}[{index}] is empty")
            else:
                problems += condition_problems(child, f"{path}.{groups[0]}[{index}]")
        return problems
    return _leaf_problems(condition, path)


def _leaf_problems(leaf: Mapping[str, Any], path: str) -> list[str]:
    unknown = sorted(set(leaf) - {"field", "op", "value"})
    if unknown:
        return [f"{path} has unknown keys: {', '.join(unknown)} (a leaf is field, op, value)"]
    field, op = leaf.get("field"), leaf.get("op")
    problems = []
    if not isinstance(field, str) or not field.strip() or any(not part for part in field.split(".")):
        problems.append(f"{path}.field must be a dotted path such as company_profile.employee_count")
    if op not in OPERATORS:
        problems.append(f"{path}.op must be one of {', '.join(OPERATORS)}")
        return problems
    if op == "exists":
        return problems
    if "value" not in leaf:
        problems.append(f"{path}.value is required for op {op}")
    elif op in _NUMERIC and _number(leaf["value"]) is None:
        problems.append(f"{path}.value must be a number for op {op}")
    elif op == "in" and not isinstance(leaf["value"], list):
        problems.append(f"{path}.value must be a list for op in")
    elif op in ("contains", "icontains") and not isinstance(leaf["value"], str | int | float):
        problems.append(f"{path}.value must be text or a number for op {op}")
    return problems


def evaluate(condition: Any, context: Mapping[str, Any]) -> bool:
    """Tell whether the condition holds for the context; an absent condition always holds."""
    if condition is None or condition == {}:
        return True
    if not isinstance(condition, Mapping):
        return False
    if "all" in condition:
        children = condition["all"]
        return isinstance(children, list) and all(_child(c, context) for c in children)
    if "any" in condition:
        children = condition["any"]
        return isinstance(children, list) and any(_child(c, context) for c in children)
    field, op = condition.get("field"), condition.get("op")
    if not isinstance(field, str) or not isinstance(op, str):
        return False
    return _leaf(op, _lookup(context, field), condition.get("value", _MISSING))


def _child(child: Any, context: Mapping[str, Any]) -> bool:
    # The old runner counted a malformed child as true; here it can only be false.
    if child is None or child == {} or not isinstance(child, Mapping):
        return False
    return evaluate(child, context)


def _lookup(context: Mapping[str, Any], field: str) -> Any:
    current: Any = context
    for part in field.split("."):
        if not isinstance(current, Mapping) or part not in current:
            return _MISSING
        current = current[part]
    return current


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str) and value.strip():
        try:
            number = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


def _equal(left: Any, right: Any) -> bool:
    if isinstance(left, bool) or isinstance(right, bool):
        return left is right if isinstance(left, bool) and isinstance(right, bool) else False
    if isinstance(left, int | float) or isinstance(right, int | float):
        a, b = _number(left), _number(right)
        return a is not None and b is not None and a == b
    return bool(left == right)


def _text(value: Any) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    return str(value) if isinstance(value, str | int | float) else None


def _leaf(op: str, actual: Any, expected: Any) -> bool:
    if actual is _MISSING:
        return False
    if op == "exists":
        if actual is None or actual == []:
            return False
        return not (isinstance(actual, str) and not actual.strip())
    if expected is _MISSING:
        return False
    if op == "eq":
        return _equal(actual, expected)
    if op == "ne":
        return not _equal(actual, expected)
    if op in _NUMERIC:
        a, b = _number(actual), _number(expected)
        if a is None or b is None:
            return False
        return {"lt": a < b, "gt": a > b, "lte": a <= b, "gte": a >= b}[op]
    if op == "in":
        return isinstance(expected, list) and any(_equal(actual, option) for option in expected)
    if op in ("contains", "icontains"):
        return _contains(actual, expected, fold=op == "icontains")
    return False


def _contains(actual: Any, expected: Any, *, fold: bool) -> bool:
    needle = _text(expected)
    if needle is None:
        return False
    if fold:
        needle = needle.casefold()
    if isinstance(actual, list):
        items = [_text(item) for item in actual]
        return any(item is not None and (item.casefold() if fold else item) == needle for item in items)
    haystack = _text(actual)
    if haystack is None:
        return False
    return needle in (haystack.casefold() if fold else haystack)
