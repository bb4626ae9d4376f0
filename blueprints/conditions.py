"""Step conditions: the typed grammar (checked when a blueprint is written) and a pure evaluator.

Grammar (CONTRACTS §2): `null | {} | Leaf | {"all": [Cond…]} | {"any": [Cond…]}` with
`Leaf = {"field": "a.b.c", "op": Op, "value"?: any}` and Op one of exists, eq, ne, lt, gt, lte, gte,
contains, icontains, in. A condition is a union discriminated by its shape: a group by its one key,
a leaf by its `op`, each operator family a model that checks its own `value` and knows how to test
it. Semantics follow the old evaluator, with its known flaws fixed (§12.14): a malformed child is
refused when the blueprint is written, so the evaluator never meets one; `eq`/`ne`/`in` treat a number
and its numeric string as equal ("120" == 120); `contains` on a list tests membership rather than
matching inside the joined text. Every model dumps exactly the keys it was given, so a stored
blueprint reads back as it was written.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    SerializerFunctionWrapHandler,
    Tag,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_serializer,
)
from pydantic_core import PydanticCustomError

OPERATORS = ("exists", "eq", "ne", "lt", "gt", "lte", "gte", "contains", "icontains", "in")
_GROUPS = ("all", "any")
_MISSING = object()


class AsGiven(BaseModel):
    """A strict model that refuses unknown keys and dumps only the keys it was given."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    @model_serializer(mode="wrap")
    def _as_given(self, handler: SerializerFunctionWrapHandler) -> Any:
        data = handler(self)
        given = self.model_fields_set | set(self.model_extra or ())
        return {key: value for key, value in data.items() if key in given}


def _dotted_path(value: str) -> str:
    if not value.strip() or any(not part for part in value.split(".")):
        raise PydanticCustomError(
            "field_path", "must be a dotted path such as company_profile.employee_count"
        )
    return value


FieldPath = Annotated[str, AfterValidator(_dotted_path)]


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


class Exists(AsGiven):
    """The field is there and holds something: not null, not an empty list, not blank text."""

    field: FieldPath
    op: Literal["exists"]
    value: Any = None  # accepted and ignored, as before

    def holds(self, actual: Any) -> bool:
        if actual is None or actual == []:
            return False
        return not (isinstance(actual, str) and not actual.strip())


class Equality(AsGiven):
    """`eq` / `ne`: equal values, a number equal to its numeric text."""

    field: FieldPath
    op: Literal["eq", "ne"]
    value: Any

    def holds(self, actual: Any) -> bool:
        return _equal(actual, self.value) is (self.op == "eq")


class Comparison(AsGiven):
    """`lt` / `gt` / `lte` / `gte` on numbers (numeric text counts as its number)."""

    field: FieldPath
    op: Literal["lt", "gt", "lte", "gte"]
    value: Annotated[
        Any, WithJsonSchema({"anyOf": [{"type": "number"}, {"type": "string"}]})  # text: a numeral
    ]

    @field_validator("value")
    @classmethod
    def _a_number(cls, value: Any, info: ValidationInfo) -> Any:
        if _number(value) is None:
            op = info.data.get("op", "")
            raise PydanticCustomError("condition_value", "must be a number for op {op}", {"op": op})
        return value

    def holds(self, actual: Any) -> bool:
        a, b = _number(actual), _number(self.value)
        if a is None or b is None:
            return False
        return {"lt": a < b, "gt": a > b, "lte": a <= b, "gte": a >= b}[self.op]


class Membership(AsGiven):
    """`in`: the field equals one of the listed values."""

    field: FieldPath
    op: Literal["in"]
    value: list[Any]

    def holds(self, actual: Any) -> bool:
        return any(_equal(actual, option) for option in self.value)


class TextMatch(AsGiven):
    """`contains` / `icontains`: text inside the field's text, or an item of the field's list."""

    field: FieldPath
    op: Literal["contains", "icontains"]
    value: Annotated[Any, WithJsonSchema({"anyOf": [{"type": "string"}, {"type": "number"}]})]

    @field_validator("value")
    @classmethod
    def _text_or_number(cls, value: Any, info: ValidationInfo) -> Any:
        if not isinstance(value, str | int | float):
            op = info.data.get("op", "")
            raise PydanticCustomError("condition_value", "must be text or a number for op {op}", {"op": op})
        return value

    def holds(self, actual: Any) -> bool:
        fold = self.op == "icontains"
        needle = _text(self.value)
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


class AllOf(AsGiven):
    """Every condition holds (an empty list holds)."""

    all: list[Condition]


class AnyOf(AsGiven):
    """At least one condition holds (an empty list does not)."""

    any: list[Condition]


class Always(AsGiven):
    """`{}`: no condition (the step always runs)."""


Leaf = Exists | Equality | Comparison | Membership | TextMatch
_TAGS: dict[str, str] = {"exists": "exists", "eq": "equality", "ne": "equality", "in": "membership"}
_TAGS |= dict.fromkeys(("lt", "gt", "lte", "gte"), "comparison")
_TAGS |= dict.fromkeys(("contains", "icontains"), "text_match")
_TAGS |= {"all": "all", "any": "any"}


def _kind(value: Any) -> str | None:
    """Name the union member a condition is: `always` for `{}`, its group key, or its op's family."""
    if isinstance(value, BaseModel):
        if isinstance(value, Always):
            return "always"
        return _TAGS.get(getattr(value, "op", ""), _group_of(value))
    if not isinstance(value, Mapping):
        return None
    if not value:
        return "always"
    group = next((key for key in _GROUPS if key in value), None)
    if group is not None:
        return group
    op = value.get("op")
    return _TAGS.get(op) if isinstance(op, str) else None


def _group_of(value: BaseModel) -> str | None:
    return "all" if isinstance(value, AllOf) else "any" if isinstance(value, AnyOf) else None


def _shape(value: Any) -> Any:
    """Refuse what no member of the union can be, saying what a condition is."""
    if isinstance(value, BaseModel):
        return value
    if not isinstance(value, Mapping):
        raise PydanticCustomError(
            "condition_type", "must be an object: a leaf (field, op, value) or a group (all or any)"
        )
    groups = [key for key in _GROUPS if key in value]
    if groups and len(value) != 1:
        raise PydanticCustomError("condition_group", "must have exactly one of all/any, and nothing else")
    if not groups and value and value.get("op") not in OPERATORS:
        raise PydanticCustomError("condition_op", f"op must be one of {', '.join(OPERATORS)}")
    return value


# A condition inside a group, where `{}` is a mistake rather than "always".
Condition = Annotated[
    Annotated[Exists, Tag("exists")]
    | Annotated[Equality, Tag("equality")]
    | Annotated[Comparison, Tag("comparison")]
    | Annotated[Membership, Tag("membership")]
    | Annotated[TextMatch, Tag("text_match")]
    | Annotated[AllOf, Tag("all")]
    | Annotated[AnyOf, Tag("any")],
    Discriminator(
        _kind,
        custom_error_type="condition_empty",
        custom_error_message="is empty: a condition inside all/any needs field and op, or all/any",
    ),
    BeforeValidator(_shape),
]
# A step's condition, where `{}` means none.
StepCondition = Annotated[
    Annotated[Always, Tag("always")]
    | Annotated[Exists, Tag("exists")]
    | Annotated[Equality, Tag("equality")]
    | Annotated[Comparison, Tag("comparison")]
    | Annotated[Membership, Tag("membership")]
    | Annotated[TextMatch, Tag("text_match")]
    | Annotated[AllOf, Tag("all")]
    | Annotated[AnyOf, Tag("any")],
    Discriminator(_kind),
    BeforeValidator(_shape),
]
AllOf.model_rebuild()
AnyOf.model_rebuild()
_STEP_CONDITION: TypeAdapter[Any] = TypeAdapter(StepCondition)


def without_tags(loc: tuple[int | str, ...]) -> tuple[int | str, ...]:
    """Drop the union's member tags from an error's location below a condition.

    Pydantic names the member it tried (`condition.comparison.value`); a user names the key they wrote
    (`condition.value`). Below a condition the location is the tag, then the member's keys: a group's
    key and index lead to the next condition.
    """
    if not loc or (loc[0] not in _TAGS.values() and loc[0] != "always"):
        return loc
    rest = loc[1:]
    if loc[0] in _GROUPS and len(rest) >= 2:
        return (rest[0], rest[1], *without_tags(rest[2:]))
    return rest


def condition_problems(raw: Any, path: str = "condition") -> list[str]:
    """Return what is wrong with a condition given as plain data, each naming its key (empty: fine)."""
    try:
        _STEP_CONDITION.validate_python(raw)
    except ValidationError as exc:
        return [
            ".".join(str(part) for part in (path, *without_tags(tuple(error["loc"])))) + f": {error['msg']}"
            for error in exc.errors()
        ]
    return []


def parse_condition(raw: Any) -> StepCondition | None:
    """Return a stored condition as its model (it was checked when its blueprint was written)."""
    return None if raw is None else _STEP_CONDITION.validate_python(raw)


def evaluate(condition: StepCondition | None, context: Mapping[str, Any]) -> bool:
    """Tell whether the condition holds for the context; an absent condition always holds."""
    if condition is None or isinstance(condition, Always):
        return True
    if isinstance(condition, AllOf):
        return all(evaluate(child, context) for child in condition.all)
    if isinstance(condition, AnyOf):
        return any(evaluate(child, context) for child in condition.any)
    actual = _lookup(context, condition.field)
    # A field that is not found is false for every op (ne included).
    return actual is not _MISSING and condition.holds(actual)


def _lookup(context: Mapping[str, Any], field: str) -> Any:
    current: Any = context
    for part in field.split("."):
        if not isinstance(current, Mapping) or part not in current:
            return _MISSING
        current = current[part]
    return current
