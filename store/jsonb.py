"""What a jsonb value may hold, and the JSON encoder and decoder of the store.

orjson, the encoder, writes NaN and Infinity as `null` (and `1e400` parses as Infinity); it fails on an
integer beyond 64 bits and on containers nested over 254 deep; PostgreSQL refuses NUL in text. The request
models refuse such values first, naming the field (their integers must fit a signed 64 bits); the
encoder's own check is the backstop, so nothing is ever stored changed. The decoder is orjson too:
PostgreSQL prints a stored 1e20 as 100000000000000000000, which the standard library would read back as
an integer no encoder can write.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import orjson

from store.errors import UnstorableValueError

INT64 = range(-(2**63), 2**63)
ENCODABLE_INTS = range(-(2**63), 2**64)  # orjson writes signed and unsigned 64-bit integers
ENCODABLE_DEPTH = 254  # orjson refuses containers nested deeper
MAX_DEPTH = 100  # in a request's field: room is left for what the store wraps it in
INT_OUT_OF_RANGE = "integer out of range (must fit in 64 bits)"
NOT_FINITE = "number must be finite (NaN, Infinity and numbers too large for a double, such as 1e400)"
NUL_TEXT = "text must not contain NUL characters"

Path = tuple[str | int, ...]


def _scalar_problem(value: Any, ints: range) -> str | None:
    if isinstance(value, str):
        return NUL_TEXT if "\x00" in value else None
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return None if value in ints else INT_OUT_OF_RANGE
    if isinstance(value, float):
        return None if math.isfinite(value) else NOT_FINITE
    return None


def is_storable(value: Any, ints: range = INT64, max_depth: int = MAX_DEPTH) -> bool:
    """Tell whether value can be stored as it is (the fast pass; `problems` says where it cannot)."""
    if not isinstance(value, dict | list | tuple):
        return _scalar_problem(value, ints) is None
    # A loop, not recursion: a body nested hundreds deep must get an answer, not a RecursionError.
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        node, depth = stack.pop()
        if depth >= max_depth:
            return False
        if isinstance(node, dict):
            if any(_scalar_problem(key, ints) for key in node):
                return False
            node = node.values()
        for item in node:
            if isinstance(item, str):  # the common case, first
                if "\x00" in item:
                    return False
            elif isinstance(item, dict | list | tuple):
                stack.append((item, depth + 1))
            elif _scalar_problem(item, ints) is not None:
                return False
    return True


def problems(value: Any, ints: range = INT64, max_depth: int = MAX_DEPTH) -> Iterator[tuple[Path, str]]:
    """Yield (path, message) for every value jsonb would refuse or store changed, in document order."""
    stack: list[tuple[Path, Any]] = [((), value)]
    while stack:
        path, node = stack.pop()
        if isinstance(node, dict | list | tuple) and len(path) >= max_depth:
            yield path, f"nested too deeply (at most {max_depth} levels)"
        elif isinstance(node, dict):
            for key in node:
                message = _scalar_problem(key, ints)
                if message is not None:
                    yield (*path, key), message
            stack += reversed([((*path, key), item) for key, item in node.items()])
        elif isinstance(node, list | tuple):
            stack += reversed([((*path, index), item) for index, item in enumerate(node)])
        else:
            message = _scalar_problem(node, ints)
            if message is not None:
                yield path, message


def dotted(path: Path) -> str:
    """Return a path the way the API names fields: a.0.b."""
    return ".".join(str(part) for part in path)


def dumps(value: Any) -> bytes:
    """Encode value for a jsonb column (UUIDs, datetimes and the like as text); refuse what would change."""
    if not is_storable(value, ENCODABLE_INTS, ENCODABLE_DEPTH):
        path, message = next(problems(value, ENCODABLE_INTS, ENCODABLE_DEPTH))
        where = f" at {dotted(path)}" if path else ""
        raise UnstorableValueError(f"a JSON value cannot be stored{where}: {message}")
    return orjson.dumps(value, default=str, option=orjson.OPT_NON_STR_KEYS)


def loads(data: bytes | bytearray | memoryview | str) -> Any:
    """Decode a json/jsonb value; a number beyond 64-bit integers comes back as a float, as it went in."""
    return orjson.loads(data)
