"""jsonb values: what the store refuses rather than store changed, and numbers that read back as written."""

from __future__ import annotations

import math
from typing import Any

import pytest
from sqlalchemy import Engine, bindparam, text
from sqlalchemy.dialects.postgresql import JSONB

from store import jsonb
from store.errors import UnstorableValueError


def _nested(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize(
    ("value", "found"),
    [
        ({"a": 1, "b": [1.5, "x", None, True, {"c": -(2**63)}]}, []),
        ({"a": 2**63 - 1, "b": 1e308, "c": 5e-324}, []),
        ({"a": 2**63}, [(("a",), jsonb.INT_OUT_OF_RANGE)]),
        ([1, [-(2**63) - 1]], [((1, 0), jsonb.INT_OUT_OF_RANGE)]),
        (
            {"a": math.inf, "b": [-math.inf, math.nan]},
            [(("a",), jsonb.NOT_FINITE), (("b", 0), jsonb.NOT_FINITE), (("b", 1), jsonb.NOT_FINITE)],
        ),
        ({"a\x00": "b\x00"}, [(("a\x00",), jsonb.NUL_TEXT), (("a\x00",), jsonb.NUL_TEXT)]),
        (True, []),
        (_nested(99), []),
        (_nested(101), [((0,) * 100, "nested too deeply (at most 100 levels)")]),
    ],
)
def test_problems_name_each_value_by_its_path(value: Any, found: list[tuple[Any, str]]) -> None:
    assert list(jsonb.problems(value)) == found
    assert jsonb.is_storable(value) == (not found)


def test_a_deep_value_gets_an_answer_not_a_recursion_error() -> None:
    assert not jsonb.is_storable(_nested(50_000))
    assert next(jsonb.problems(_nested(50_000)))[1].startswith("nested too deeply")


@pytest.mark.parametrize(
    "value",
    [{"a": math.inf}, [math.nan], {"a": [2**64]}, {"t": "a\x00b"}, {"x": _nested(255)}],
)
def test_the_encoder_refuses_what_it_would_store_changed(engine: Engine, value: Any) -> None:
    query = text("SELECT CAST(:v AS jsonb)").bindparams(bindparam("v", type_=JSONB))
    with engine.connect() as conn, pytest.raises(UnstorableValueError):
        conn.execute(query, {"v": value})


def test_what_orjson_can_write_round_trips(engine: Engine) -> None:
    # Unsigned 64-bit integers are written as they are (the API takes signed ones only); a double
    # PostgreSQL prints with all its digits (1e20 as 100000000000000000000) reads back as a double.
    value = {"u": 2**64 - 1, "i": -(2**63), "d": 1e20, "huge": 1.5e300, "small": 1e-300, "deep": _nested(250)}
    query = text("SELECT CAST(:v AS jsonb) AS v, CAST(:v AS jsonb)::text AS printed")
    with engine.connect() as conn:
        row = conn.execute(query.bindparams(bindparam("v", type_=JSONB)), {"v": value}).one()
    assert row.v == value and isinstance(row.v["d"], float)
    assert '"d": 100000000000000000000' in row.printed
