"""The one waterfall runner: policies, provider order, preconditions, lookups, variants, second stages."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest

from operations.contracts.base import Contract
from operations.inputs import Inputs
from operations.runtime import Attempt, OperationRun, Outcome
from operations.spec import OperationSpec
from operations.waterfall import Plan, ProviderCalls, Step, as_is, run_plan
from providers.base import Outcome as ProviderOutcome
from providers.base import ProviderResult

Answer = Callable[[str, str, Mapping[str, Any]], "dict[str, Any] | None"]


def answers(table: Mapping[tuple[str, str], dict[str, Any]]) -> Answer:
    """Answer provider.action with its row of table (found), else not found."""
    return lambda provider, action, _: table.get((provider, action))


class Scripted:
    """A caller that answers from a script and keeps what each provider was sent."""

    def __init__(self, answer: Answer) -> None:
        self.answer = answer
        self.sent: list[tuple[str, str, dict[str, Any]]] = []

    async def call(self, provider: str, action: str, inputs: Mapping[str, Any]) -> ProviderResult:
        self.sent.append((provider, action, dict(inputs)))
        data = self.answer(provider, action, inputs)
        outcome = ProviderOutcome.FOUND if data is not None else ProviderOutcome.NOT_FOUND
        return ProviderResult(provider, action, outcome, data=data, http_status=200)


class Journal:
    """An attempt journal in memory: what an earlier try bought, and what this one records."""

    def __init__(self, bought: Sequence[Attempt] = ()) -> None:
        self.earlier = list(bought)
        self.recorded: list[Attempt] = []

    def bought(self) -> Sequence[Attempt]:
        return self.earlier

    def record(self, attempts: Sequence[Attempt]) -> None:
        self.recorded += attempts


class Nothing(Contract):
    pass


async def _unused(run: OperationRun) -> Outcome:
    raise AssertionError("the plan is run directly")


def run_for(caller: Scripted, order: Sequence[str], journal: Journal | None = None) -> OperationRun:
    spec = OperationSpec(id="company.test", description="", output=Nothing, run=_unused)
    return OperationRun(spec, Inputs({}), caller, order, journal)


def calls_made(caller: Scripted) -> list[str]:
    return [f"{provider}.{action}" for provider, action, _ in caller.sent]


@dataclass
class Known:
    """What a test operation knows: identifiers, and every answer taken, in order."""

    ids: dict[str, str] = field(default_factory=dict)
    taken: list[str] = field(default_factory=list)
    enough: int = 0  # take says done once this many answers were taken (0: never)

    def take(self, step: Step[Known], result: ProviderResult) -> bool:
        self.ids.update(result.data or {})
        self.taken.append(f"{step.provider}.{step.action}")
        return len(self.taken) == self.enough


def by(key: str) -> Callable[[Known], dict[str, str]]:
    return lambda known: {key: known.ids[key]} if key in known.ids else {}


def knows(key: str) -> Callable[[Known], bool]:
    return lambda known: key in known.ids


THREE = (Step("a", "find", by("domain")), Step("b", "find", by("domain")), Step("c", "find", by("domain")))


@pytest.mark.parametrize(
    ("order", "called", "winner"),
    [
        (("a", "b", "c"), ["a.find", "b.find"], "b"),
        (("c", "b", "a"), ["c.find"], "c"),
        (("a",), ["a.find"], None),  # only the providers the order names
        (("x",), ["a.find", "b.find"], "b"),  # an order naming none of them keeps the declared one
    ],
)
async def test_first_success_stops_at_the_first_found_answer_in_the_runs_order(
    order: tuple[str, ...], called: list[str], winner: str | None
) -> None:
    caller = Scripted(answers({("b", "find"): {"name": "B"}, ("c", "find"): {"name": "C"}}))
    last = await run_plan(run_for(caller, order), Plan("first_success", THREE), Known({"domain": "x.com"}))
    assert calls_made(caller) == called
    assert last is not None and (last.provider if last.outcome is ProviderOutcome.FOUND else None) == winner


async def test_take_decides_which_found_answer_is_the_one() -> None:
    caller = Scripted(answers({("a", "find"): {}, ("b", "find"): {"email": "x@y.co"}}))
    plan = Plan("first_success", THREE, take=lambda known, step, result: bool(result.data))
    last = await run_plan(run_for(caller, ("a", "b", "c")), plan, Known({"domain": "x.com"}))
    assert calls_made(caller) == ["a.find", "b.find"] and last is not None and last.provider == "b"


@pytest.mark.parametrize(
    ("ids", "called"),
    [
        ({"domain": "x.com"}, [("a", "by_domain", {"domain": "x.com"})]),
        ({"name": "X"}, [("a", "by_name", {"name": "X"})]),
        ({}, []),  # neither precondition holds: passed over without a call
    ],
)
async def test_a_precondition_passes_a_step_over_or_calls_its_alternative(
    ids: dict[str, str], called: list[tuple[str, str, dict[str, str]]]
) -> None:
    step = Step(
        "a",
        "by_domain",
        by("domain"),
        when=knows("domain"),
        alternative=Step("a", "by_name", by("name"), when=knows("name")),
    )
    caller = Scripted(answers({}))
    await run_plan(run_for(caller, ("a",)), Plan("first_success", (step,)), Known(ids))
    assert caller.sent == called


@pytest.mark.parametrize(
    ("lookup_finds", "gates", "called", "taken"),
    [
        (True, True, ["b.page", "b.enrich", "c.enrich"], ["b.page", "b.enrich", "c.enrich"]),  # learned
        (False, True, ["b.page", "c.enrich"], ["c.enrich"]),  # a gating miss ends b's turn
        (False, False, ["b.page", "b.enrich", "c.enrich"], ["c.enrich"]),  # b is asked anyway
    ],
)
async def test_a_lookup_runs_first_in_its_providers_turn(
    lookup_finds: bool, gates: bool, called: list[str], taken: list[str]
) -> None:
    lookup = Step("b", "page", by("domain"), when=lambda known: "page" not in known.ids)
    plan = Plan(
        "merge_accumulate",
        (
            Step("b", "enrich", by("page"), lookup=lookup, lookup_gates=gates),
            Step("c", "enrich", by("domain")),
        ),
        take=Known.take,
    )
    table = {("b", "enrich"): {"size": "10"}, ("c", "enrich"): {"size": "20"}}
    if lookup_finds:
        table[("b", "page")] = {"page": "linkedin.com/company/x"}
    caller = Scripted(lambda p, a, inputs: table.get((p, a)) if (p, a) != ("b", "enrich") or inputs else None)
    known = Known({"domain": "x.com"})
    await run_plan(run_for(caller, ("b", "c")), plan, known)
    assert calls_made(caller) == called and known.taken == taken
    if lookup_finds:
        assert caller.sent[1][2] == {"page": "linkedin.com/company/x"}  # the next call read what was learned


async def test_variants_are_tried_in_turn_until_one_is_taken() -> None:
    names = ["Acme Co, Inc.", "Acme Co", "Acme"]
    step = Step("a", "by_name", each=lambda known: [{"name": n} for n in names])
    caller = Scripted(lambda p, a, inputs: {"domain": "acme.com"} if inputs["name"] == "Acme Co" else None)
    known = Known(enough=1)
    await run_plan(
        run_for(caller, ("a", "b")), Plan("first_success", (step, THREE[1]), take=Known.take), known
    )
    assert [inputs["name"] for _, _, inputs in caller.sent] == names[:2] and known.taken == ["a.by_name"]


@pytest.mark.parametrize(
    ("policy", "enough", "called"),
    [
        ("merge_accumulate", 0, ["a.find", "b.find", "c.find"]),  # never complete: everyone is asked
        ("merge_accumulate", 2, ["a.find", "b.find"]),  # complete after two answers
        ("accumulate", 1, ["a.find"]),  # enough after one
    ],
)
async def test_accumulating_policies_fold_every_answer_until_take_has_enough(
    policy: Any, enough: int, called: list[str]
) -> None:
    caller = Scripted(lambda p, a, inputs: {f"from_{p}": "yes"})
    known = Known({"domain": "x.com"}, enough=enough)
    await run_plan(run_for(caller, ("a", "b", "c")), Plan(policy, THREE, take=Known.take), known)
    assert calls_made(caller) == called and known.taken == called
    assert set(known.ids) == {"domain", *(f"from_{c[0]}" for c in called)}


@pytest.mark.parametrize(("found", "called"), [(True, ["a.find", "v.check"]), (False, ["a.find"])])
async def test_a_then_plan_runs_only_once_the_first_found_its_answer(found: bool, called: list[str]) -> None:
    verify = Plan("first_success", (Step("v", "check", by("email")),))
    plan = Plan("first_success", (THREE[0],), then=verify)
    caller = Scripted(answers({("a", "find"): {"email": "x@y.co"}} if found else {}))
    # The run's order names only the first stage's providers: the second keeps its own order.
    await run_plan(run_for(caller, ("a",)), plan, Known({"domain": "x.com"}))
    assert calls_made(caller) == called
    assert plan.providers == ("a", "v") and plan.turns[-1] == ProviderCalls("v", ("check",), after_found=True)


async def test_fixed_sequence_calls_every_step_at_once() -> None:
    started = asyncio.Event()
    sent: list[str] = []

    class Waiting(Scripted):
        async def call(self, provider: str, action: str, inputs: Mapping[str, Any]) -> ProviderResult:
            sent.append(action)
            if len(sent) == 3:
                started.set()
            await asyncio.wait_for(started.wait(), 5)  # returns only once all three are in flight
            return await super().call(provider, action, inputs)

    steps = tuple(Step("ri", f"fact_{i}", as_is, key=f"fact_{i}") for i in range(3))
    facts: dict[str, Any] = {}

    def keep(request: Any, step: Step[Any], result: ProviderResult) -> bool:
        facts[step.key] = (result.data or {}).get("value")
        return False

    caller = Waiting(lambda p, a, inputs: {"value": a.upper()})
    await run_plan(run_for(caller, ("ri",)), Plan("fixed_sequence", steps, take=keep), {"url": "x"})
    assert facts == {"fact_0": "FACT_0", "fact_1": "FACT_1", "fact_2": "FACT_2"}


async def test_a_replay_reuses_the_answers_an_earlier_try_bought_through_the_runner() -> None:
    table = {("b", "find"): {"name": "B"}}
    first = Journal()
    caller = Scripted(answers(table))
    await run_plan(
        run_for(caller, ("a", "b", "c"), first), Plan("first_success", THREE), Known({"domain": "x"})
    )
    assert [a.provider for a in first.recorded] == ["a", "b"]
    again = Scripted(answers(table))
    replay = run_for(again, ("a", "b", "c"), Journal(first.recorded))
    last = await run_plan(replay, Plan("first_success", THREE), Known({"domain": "x"}))
    assert again.sent == [] and replay.reused == 2 and last is not None and last.data == {"name": "B"}


def test_what_an_operation_lists_is_derived_from_its_plan() -> None:
    plan = Plan(
        "merge_accumulate",
        (
            Step("p", "enrich"),
            Step("b", "enrich", lookup=Step("b", "page")),
            Step("c", "by_domain", when=bool, alternative=Step("c", "by_name")),
        ),
        take=Known.take,
    )
    spec = OperationSpec(id="company.test", description="", output=Nothing, run=_unused, plan=plan)
    listed = spec.describe()
    assert listed["providers"] == ["p", "b", "c"] and listed["policy"] == "merge_accumulate"
    assert spec.calls == (
        ProviderCalls("p", ("enrich",)),
        ProviderCalls("b", ("page", "enrich")),
        ProviderCalls("c", ("by_domain",), ("by_name",)),
    )
