"""Shared RevenueInfra plumbing: one call under the RI status rules, and the list-operation template."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from operations.inputs import Inputs
from operations.runtime import OperationRun, Outcome
from operations.spec import FanOut, Need, OperationSpec, OperationStatus, need
from operations.waterfall import one_call
from providers.base import Outcome as ProviderOutcome

PROVIDER = "revenueinfra"
DOMAIN_INPUTS = ("company_domain", "company_website")
# A list is capped by the step's `max_results` (a blueprint fanning out wants the first few); this is the
# ceiling, far above any list the service answers.
MAX_ITEMS = 1_000

Request = Callable[[Inputs], "dict[str, Any] | None"]


async def ask(run: OperationRun, request: Mapping[str, Any]) -> dict[str, Any] | Outcome:
    """Run the operation's one RevenueInfra call; return its data when found, else the operation's outcome.

    RI rules (CONTRACTS §9): not_found stays not_found; a failed or skipped call (no key) fails the
    operation, since RevenueInfra is its only source.
    """
    result = await run.waterfall(request)
    if result is None:
        return Outcome(OperationStatus.FAILED, None, f"{PROVIDER} was not called")
    if result.outcome is ProviderOutcome.FOUND and result.data is not None:
        return result.data
    if result.outcome is ProviderOutcome.NOT_FOUND:
        return Outcome(OperationStatus.NOT_FOUND)
    reason = result.skip_reason or result.error_class or result.message or result.outcome
    return Outcome(OperationStatus.FAILED, None, f"{PROVIDER} {result.action} {result.outcome}: {reason}")


def domain_request(inputs: Inputs) -> dict[str, Any] | None:
    """Return the request of a lookup by domain, or None when no usable domain is given."""
    domain = inputs.domain(*DOMAIN_INPUTS)
    return None if domain is None else {"company_domain": domain}


@dataclass(frozen=True)
class ListLookup:
    """A research operation answering one RevenueInfra list: `{<list_key>: [...], <count_key>, sp}`."""

    id: str
    description: str
    action: str
    list_key: str
    count_key: str
    output: type[BaseModel]
    fan_out: FanOut
    requires: tuple[Need, ...] = (need(*DOMAIN_INPUTS),)
    optional: tuple[str, ...] = ()
    request: Request = domain_request


def list_operation(lookup: ListLookup) -> OperationSpec:
    """Build the spec of a list lookup: found even when the list is empty, capped by `max_results`."""

    async def run_lookup(run: OperationRun) -> Outcome:
        request = lookup.request(run.inputs)
        if request is None:
            wanted = " or ".join(n.label for n in lookup.requires)
            return run.unusable(f"no usable {wanted}")
        answer = await ask(run, request)
        if isinstance(answer, Outcome):
            return answer
        limit = run.inputs.integer("max_results", MAX_ITEMS, lo=1, hi=MAX_ITEMS)
        rows = list(answer.get(lookup.list_key) or [])[:limit]
        return Outcome(
            OperationStatus.FOUND,
            {lookup.list_key: rows, lookup.count_key: len(rows), "source_provider": PROVIDER},
        )

    run_lookup.__doc__ = f"Ask RevenueInfra ({lookup.action}) for the company's {lookup.list_key}."
    return OperationSpec(
        id=lookup.id,
        description=lookup.description,
        output=lookup.output,
        run=run_lookup,
        requires=lookup.requires,
        optional=lookup.optional,
        plan=one_call(PROVIDER, lookup.action),
        fan_out=lookup.fan_out,
        params=("max_results",),
    )
