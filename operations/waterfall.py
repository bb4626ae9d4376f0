"""Provider plans: the steps an operation may call, in order, under a policy, and the one runner of them.

An operation declares its plan as data (`OperationSpec.plan`): what `/api/operations/list` shows and
what a dry run prices are read from it, and `run_plan` executes it, so the three cannot disagree. The
operation keeps two small functions of its own: reading its inputs into what it knows before the
first call, and shaping what the plan gathered into its output contract.

The policies share one loop and differ in what ends it:

- `first_success`: the first found answer the plan takes (`take` says yes, or any found answer when the
  plan has no `take`) ends the waterfall; a `then` plan runs after it, on what it found.
- `merge_accumulate`: every found answer is merged by `take`, learning identifiers that later steps
  read; the waterfall ends early only when `take` says nothing is left to fill.
- `accumulate`: every found answer is collected by `take`; it ends once `take` says there is enough.
- `fixed_sequence`: every step is called whatever the others answer, so they are all called at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar

from providers.base import Outcome as ProviderOutcome
from providers.base import ProviderResult

if TYPE_CHECKING:
    from operations.runtime import OperationRun

Policy = Literal["first_success", "merge_accumulate", "accumulate", "fixed_sequence"]
Request = Mapping[str, Any]
# What an operation knows so far: its own object, read by the steps' builders and filled by `take`.
K = TypeVar("K")

_FOUND = ProviderOutcome.FOUND


def as_is(known: Request) -> Request:
    """Send what is known as the request (an operation that builds its one request up front)."""
    return known


def no_request(_: object) -> Request:
    """Send nothing (the step's requests come from `each`)."""
    return {}


@dataclass(frozen=True, slots=True, eq=False)
class Step(Generic[K]):
    """One provider action of a plan, and how to build its request from what is known at its turn.

    `when` is its precondition; when it does not hold, `alternative` (same provider, another action) is
    called instead if its own precondition holds, else the step is passed over without a call. `lookup`
    is a prerequisite call in the same turn, made when its precondition holds (BlitzAPI's
    domain-to-LinkedIn before a search by LinkedIn page): its found answer goes to the plan's `take`,
    and its miss ends the turn when `lookup_gates`. `each` gives several requests tried in turn until
    one answer is taken (a name, then its shorter forms), in place of `inputs`. `key` names the step in
    an output that tells steps apart (person.search's pagination).
    """

    provider: str
    action: str
    inputs: Callable[[K], Request] = no_request
    when: Callable[[K], bool] | None = None
    alternative: Step[K] | None = None
    lookup: Step[K] | None = None
    lookup_gates: bool = True
    each: Callable[[K], Iterable[Request]] | None = None
    key: str = ""


@dataclass(frozen=True, slots=True)
class ProviderCalls:
    """The actions one provider may be asked for in its turn of an operation: what a dry run prices.

    `actions` come in order within the turn, each at most once (a lookup first, e.g. BlitzAPI's
    domain-to-LinkedIn before its enrichment; the lookup's miss may end the turn). `alternatives` are
    called instead of the last action for other inputs (CompanyEnrich by properties when there is no
    domain). `after_found` providers form a second waterfall that runs only once the first found
    something (resolve_email's verifiers, after a finder found an address).
    """

    provider: str
    actions: tuple[str, ...]
    alternatives: tuple[str, ...] = ()
    after_found: bool = False

    @property
    def every_action(self) -> tuple[str, ...]:
        """Every action this provider may be asked for."""
        return (*self.actions, *self.alternatives)


@dataclass(frozen=True, eq=False)
class Plan(Generic[K]):
    """An operation's provider steps in their default order, its policy, and how answers are taken.

    `take(known, step, found)` folds a found answer into what is known and says whether the waterfall
    has what it needs (see the module's policies). The run's provider order reorders the steps by
    provider (a step keeps its place among its provider's steps); an order that names none of the
    plan's providers leaves the declared order. `route` replaces that ordering when which steps run
    depends on the inputs (person.search's §8 paths): it returns the steps to try, in order. `then` is
    a second plan run once this one found its answer, on the same known object.
    """

    policy: Policy
    steps: tuple[Step[K], ...]
    take: Callable[[K, Step[K], ProviderResult], bool] | None = None
    route: Callable[[K, tuple[str, ...]], Sequence[Step[K]]] | None = None
    then: Plan[Any] | None = None
    _orders: dict[tuple[str, ...], tuple[Step[K], ...]] = dataclass_field(
        default_factory=dict, init=False, repr=False
    )

    def __post_init__(self) -> None:
        if self.policy in ("merge_accumulate", "accumulate") and self.take is None:
            raise ValueError(f"a {self.policy} plan needs a take that folds each answer in")
        if self.then is not None and self.policy != "first_success":
            raise ValueError("only a first_success plan has an answer for a then plan to work on")
        if self.policy == "fixed_sequence" and (
            self.route is not None
            or self.then is not None
            or any(s.when or s.alternative or s.lookup or s.each for s in self.steps)
        ):
            raise ValueError("a fixed_sequence plan calls every step at once: no step may depend on another")

    @cached_property
    def providers(self) -> tuple[str, ...]:
        """Every provider the plan may call, in its default order (a `then` plan's last)."""
        return tuple(dict.fromkeys(call.provider for call in self.turns))

    @cached_property
    def turns(self) -> tuple[ProviderCalls, ...]:
        """What each provider may be asked for in its turn, in the default order of providers."""
        return (*_turns(self.steps, after_found=False), *(self.then.turns_after_found if self.then else ()))

    @cached_property
    def turns_after_found(self) -> tuple[ProviderCalls, ...]:
        """This plan's turns, as the second stage of another plan."""
        return _turns(self.steps, after_found=True)

    def ordered(self, order: tuple[str, ...]) -> tuple[Step[K], ...]:
        """Return the steps in the run's provider order (remembered per order: orders come from config)."""
        steps = self._orders.get(order)
        if steps is None:
            named = sorted(
                (s for s in self.steps if s.provider in order), key=lambda s: order.index(s.provider)
            )
            steps = self._orders[order] = tuple(named) or self.steps
        return steps


def one_call(provider: str, action: str) -> Plan[Request]:
    """Return the plan of an operation that makes one call, its request built before the call."""
    return Plan("first_success", (Step(provider, action, as_is),))


def _turns(steps: Sequence[Step[Any]], *, after_found: bool) -> tuple[ProviderCalls, ...]:
    actions: dict[str, dict[str, None]] = {}
    alternatives: dict[str, dict[str, None]] = {}
    for step in steps:
        main = actions.setdefault(step.provider, {})
        if step.lookup is not None:
            main[step.lookup.action] = None
        main[step.action] = None
        other = step.alternative
        while other is not None:
            if other.lookup is not None:
                main[other.lookup.action] = None
            alternatives.setdefault(step.provider, {})[other.action] = None
            other = other.alternative
    return tuple(
        ProviderCalls(
            provider,
            tuple(main),
            tuple(a for a in alternatives.get(provider, {}) if a not in main),
            after_found,
        )
        for provider, main in actions.items()
    )


async def run_plan(run: OperationRun, plan: Plan[K], known: K) -> ProviderResult | None:
    """Call the plan's steps for what is known, under its policy, through the run's recording `call`.

    Returns the last answer received (the taken one when a first_success plan found it), or None when
    no step was called.
    """
    if plan.policy == "fixed_sequence":
        return await _all_at_once(run, plan, known)
    take = plan.take
    route = plan.route
    steps = route(known, run.provider_order) if route is not None else plan.ordered(run.provider_order)
    last: ProviderResult | None = None
    taken = False
    for declared in steps:
        step: Step[K] | None = declared
        while step is not None and step.when is not None and not step.when(known):
            step = step.alternative
        if step is None:
            continue
        lookup = step.lookup
        if lookup is not None and (lookup.when is None or lookup.when(known)):
            last = await run.call(lookup.provider, lookup.action, lookup.inputs(known))
            if last.outcome is _FOUND:
                if take is not None:
                    take(known, lookup, last)  # learned, never the answer itself
            elif step.lookup_gates:
                continue
        if step.each is None:
            last = await run.call(step.provider, step.action, step.inputs(known))
            taken = last.outcome is _FOUND and (take is None or take(known, step, last))
        else:
            for request in step.each(known):
                last = await run.call(step.provider, step.action, request)
                if last.outcome is _FOUND and (take is None or take(known, step, last)):
                    taken = True
                    break
        if taken:
            break
    if taken and plan.then is not None:
        return await run_plan(run, plan.then, known)
    return last


async def _all_at_once(run: OperationRun, plan: Plan[K], known: K) -> ProviderResult | None:
    steps = plan.ordered(run.provider_order)
    answers = await asyncio.gather(*(run.call(s.provider, s.action, s.inputs(known)) for s in steps))
    if plan.take is not None:
        for step, answer in zip(steps, answers, strict=True):
            if answer.outcome is _FOUND:
                plan.take(known, step, answer)
    return answers[-1] if answers else None
