"""The registry's vocabulary for goals: the field names and list operations a goal may name.

A model reading a plain-language goal is given these names as its allowed values, and its answer is
checked against them before anything is planned; the assembler names an unknown one with the known
names closest to it.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence

from blueprints.conditions import condition_problems
from blueprints.goal import Goal, condition_fields
from blueprints.validation import item_fields
from operations.spec import OperationSpec


def vocabulary(registry: Mapping[str, OperationSpec]) -> list[str]:
    """Return every field name the registry knows: what operations read, produce or list."""
    names: set[str] = set()
    for spec in registry.values():
        names |= set(spec.produces) | set(spec.optional)
        names |= {name for need in spec.requires for name in need.names}
        if spec.fan_out is not None:
            names |= item_fields(spec, spec.fan_out)
    return sorted(names)


def list_operations(registry: Mapping[str, OperationSpec]) -> list[str]:
    """Return the operations whose list a blueprint can fan out over."""
    return sorted(spec.id for spec in registry.values() if spec.fan_out is not None)


def search_parameters(registry: Mapping[str, OperationSpec]) -> list[str]:
    """Return the parameters a list operation reads (what a goal's `search` may set)."""
    return sorted({p for s in registry.values() if s.fan_out is not None for p in s.params} - {"max_results"})


def unknown(name: str, known: Sequence[str], what: str) -> str:
    """Say that name is not in the registry, with the known names closest to it."""
    close = difflib.get_close_matches(name, known, n=3, cutoff=0.6)
    hint = f" (did you mean {', '.join(close)}?)" if close else ""
    return f"{what} {name!r} is not in the registry{hint}"


def name_problems(goal: Goal, registry: Mapping[str, OperationSpec]) -> list[str]:
    """Return each name in the goal the registry does not know, and each malformed condition."""
    known = vocabulary(registry)
    problems = [unknown(n, known, "output") for n in goal.outputs if n not in known]
    for index, condition in enumerate(goal.conditions):
        malformed = condition_problems(condition, f"conditions[{index}]")
        problems += malformed
        if not malformed:
            reads = condition_fields(condition)
            problems += [unknown(n, known, "condition field") for n in reads if n not in known]
    if goal.via is not None and goal.via not in registry:
        problems.append(unknown(goal.via, list_operations(registry), "via: the operation"))
    parameters = search_parameters(registry)
    problems += [unknown(k, parameters, "search parameter") for k in goal.search if k not in parameters]
    return problems
