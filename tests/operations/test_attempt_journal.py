"""The operation runtime's journal: attempts recorded as they are made, bought answers reused on a replay."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from operations.history import attempt_row, stored_attempt
from operations.registry import get_operation
from operations.runtime import Attempt, run_operation
from providers.base import ErrorClass, Outcome, ProviderResult

PROFILE = get_operation("company.enrich.profile")
assert PROFILE is not None
CONTEXT = {"company_domain": "acme.com"}


class Answers:
    """A caller that answers from a script and counts what it was asked (the provider's bill)."""

    def __init__(self, script: Mapping[str, ProviderResult]) -> None:
        self.script = script
        self.asked: list[str] = []

    async def call(self, provider: str, action: str, inputs: Mapping[str, Any]) -> ProviderResult:
        self.asked.append(provider)
        return self.script.get(provider) or ProviderResult(
            provider, action, Outcome.NOT_FOUND, http_status=404
        )


class Journal:
    """Keeps what is recorded, and hands it back as a store would (rows read back)."""

    def __init__(self, earlier: Sequence[Attempt] = ()) -> None:
        self.earlier = list(earlier)
        self.recorded: list[Attempt] = []

    def bought(self) -> Sequence[Attempt]:
        return self.earlier

    def record(self, attempts: Sequence[Attempt]) -> None:
        self.recorded += attempts

    def as_stored(self) -> list[Attempt]:
        org = uuid.uuid4()
        rows = [attempt_row(uuid.uuid4(), a, org_id=org) for a in [*self.earlier, *self.recorded]]
        return [stored_attempt(row) for row in rows]


def _found(provider: str) -> ProviderResult:
    return ProviderResult(
        provider,
        "enrich_company",
        Outcome.FOUND,
        data={"company_name": "Acme"},
        http_status=200,
        cost_usd=0.01,
        raw={"name": "Acme"},
    )


async def test_a_replay_reuses_every_answer_bought_and_calls_only_what_was_not() -> None:
    retried = ProviderResult("prospeo", "enrich_company", Outcome.RETRYABLE, http_status=500)
    first_caller = Answers({"prospeo": _found("prospeo")})
    first_journal = Journal()
    first = await run_operation(PROFILE, CONTEXT, caller=first_caller, journal=first_journal)
    assert first_caller.asked and len(first_journal.recorded) == len(first.attempts)
    assert [a.index for a in first_journal.recorded] == list(range(len(first.attempts)))

    # The same step again after a crash: nothing is bought twice, the result is the same.
    replay_caller = Answers({"prospeo": retried})
    replay = await run_operation(
        PROFILE, CONTEXT, caller=replay_caller, journal=Journal(first_journal.as_stored())
    )
    assert replay_caller.asked == []
    assert replay.output == first.output and replay.cost_usd == first.cost_usd


async def test_a_replay_calls_again_what_was_never_answered() -> None:
    # Before the crash every provider failed with a 5xx or timed out: none of that was an answer.
    broken = {
        p: ProviderResult(p, "x", Outcome.RETRYABLE, error_class=ErrorClass.SERVER_ERROR, http_status=503)
        for p in ("prospeo", "blitzapi", "companyenrich", "leadmagic")
    }
    journal = Journal()
    await run_operation(PROFILE, CONTEXT, caller=Answers(broken), journal=journal)
    caller = Answers({"prospeo": _found("prospeo")})
    replay_journal = Journal(journal.as_stored())
    replay = await run_operation(PROFILE, CONTEXT, caller=caller, journal=replay_journal)
    assert caller.asked[0] == "prospeo" and replay.output is not None
    # New attempts are numbered after the recorded ones: no key collides with the first try's.
    recorded = [a.index for a in journal.recorded]
    assert min(a.index for a in replay_journal.recorded) == max(recorded) + 1


@pytest.mark.parametrize("size", [10, 50_000])
def test_a_stored_answer_keeps_its_whole_body(size: int) -> None:
    body = {"people": ["x" * 10] * size}
    attempt = Attempt.from_result(
        ProviderResult("prospeo", "search", Outcome.FOUND, data={"n": size}, http_status=200, raw=body)
    )
    back = stored_attempt(attempt_row(uuid.uuid4(), attempt, org_id=uuid.uuid4()))
    assert back.to_result().raw == body and back.to_result().data == {"n": size}
