"""The cheapest chain of operations that turns the fields an entity has into the fields asked for.

Operations are edges of a graph over field names: an operation can run once every one of its
required inputs (any of its alternatives) is available, and makes its declared outputs available.
A uniform-cost search over the sets of available fields finds the cheapest chain; ties go to the
shorter chain, then to the operation ids in order, so the same registry always gives the same plan.
Only fields that matter to the goal are tracked, which keeps the search small.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass

from operations.spec import OperationSpec

Need = tuple[str, ...]  # any one of these fields satisfies it
MAX_EXPANSIONS = 200_000


def requirements(spec: OperationSpec) -> tuple[Need, ...]:
    """Return what spec needs to run; an operation that declares only optional inputs needs one of them."""
    if spec.requires:
        return tuple(n.names for n in spec.requires)
    return (tuple(spec.optional),) if spec.optional else ()


def met(need: Need, available: Collection[str]) -> bool:
    """Tell whether any field of need is available."""
    return any(name in available for name in need)


def runnable(spec: OperationSpec, available: Collection[str]) -> bool:
    """Tell whether every requirement of spec is met by available."""
    return all(met(need, available) for need in requirements(spec))


def reachable(available: Collection[str], operations: Mapping[str, OperationSpec]) -> set[str]:
    """Return every field some chain of operations can make available, cost aside."""
    fields = set(available)
    grown = True
    while grown:
        grown = False
        for spec in operations.values():
            if runnable(spec, fields) and not set(spec.produces) <= fields:
                fields |= set(spec.produces)
                grown = True
    return fields


@dataclass(frozen=True, slots=True)
class Chain:
    """Operations to run in order, and what they are expected to cost per entity."""

    operation_ids: tuple[str, ...]
    cost_usd: float


def _useful(needs: Sequence[Need], operations: Mapping[str, OperationSpec]) -> tuple[set[str], list[str]]:
    """Return the fields that matter (the needs, and what their producers need) and those producers."""
    relevant = {name for need in needs for name in need}
    useful: list[str] = []
    grown = True
    while grown:
        grown = False
        for operation_id, spec in operations.items():
            if operation_id not in useful and relevant.intersection(spec.produces):
                useful.append(operation_id)
                relevant |= {name for need in requirements(spec) for name in need}
                grown = True
    return relevant, sorted(useful)


def cheapest_chain(
    needs: Sequence[Need],
    available: Collection[str],
    operations: Mapping[str, OperationSpec],
    cost: Callable[[str], float],
) -> Chain | None:
    """Return the cheapest chain that meets every need from available, or None when none can."""
    relevant, useful = _useful(needs, operations)
    start = frozenset(relevant.intersection(available))
    best = {start: 0.0}
    # (cost, steps, ids, state): equal costs go to the shorter chain, then to the ids in order.
    queue: list[tuple[float, int, tuple[str, ...], frozenset[str]]] = [(0.0, 0, (), start)]
    expansions = 0
    while queue and expansions < MAX_EXPANSIONS:
        spent, _, chain, state = heapq.heappop(queue)
        if all(met(need, state) for need in needs):
            return Chain(chain, spent)
        if spent > best.get(state, math.inf):
            continue
        expansions += 1
        for operation_id in useful:
            spec = operations[operation_id]
            if operation_id in chain or not runnable(spec, state):
                continue
            grown = state | relevant.intersection(spec.produces)
            if grown == state:
                continue
            total = round(spent + cost(operation_id), 9)
            if total < best.get(grown, math.inf):
                best[grown] = total
                heapq.heappush(queue, (total, len(chain) + 1, (*chain, operation_id), grown))
    return None


def why_unreachable(
    field: str, entity_type: str, available: Collection[str], operations: Mapping[str, OperationSpec]
) -> str:
    """Say plainly why no chain makes field available for an entity of entity_type that has available."""
    producers = [spec for spec in operations.values() if field in spec.produces]
    if not producers:
        return f"no operation on a {entity_type} produces {field}"
    can_reach = reachable(available, operations)
    reasons = []
    for spec in sorted(producers, key=lambda s: s.id)[:3]:
        missing = [" or ".join(need) for need in requirements(spec) if not met(need, can_reach)]
        reasons.append(f"{spec.id} needs {'; '.join(missing)}")
    given = ", ".join(sorted(available)) or "nothing"
    return f"{field} cannot be produced for a {entity_type} that has {given}: " + "; ".join(reasons)
