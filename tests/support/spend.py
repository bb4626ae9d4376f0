"""The spend-safety workload and its accounting: what the sandbox was asked against what the engine recorded.

A fault mix over 150 roots and a fan-out: Prospeo (first in the profile waterfall) is out of credits,
LeadMagic answers 5xx and hangs past the client's timeout (5 s in the tests' settings), RevenueInfra
is limited below what the gateways believe (429 bursts). After an interruption, `account` checks
what a paid API's user cares about:

- every request the sandbox received is a recorded attempt (exactly, or short by what was in
  flight when a process was killed);
- no answer was bought twice: one final answer per (run, step, provider, action, input);
- no step was executed twice into the history, and every finished step has one timeline event;
- every failed run says which providers failed and how.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy import Engine, text

from providers.sandbox.server import SandboxServer
from tests.support.sandbox import NEUTRAL_KNOBS

STEPS: list[dict[str, Any]] = [
    {"position": 1, "operation_id": "company.enrich.profile"},
    {"position": 2, "operation_id": "company.enrich.technographics"},
    {"position": 3, "operation_id": "company.research.discover_competitors", "fan_out": True},
]
PROVIDERS = ("prospeo", "blitzapi", "companyenrich", "leadmagic", "revenueinfra")
FAULTS: dict[str, dict[str, Any]] = {
    "prospeo": {"credits": 0},
    "leadmagic": {"error_rate": 0.06, "timeout_rate": 0.01, "timeout_s": 6, "latency_ms": 120},
    "revenueinfra": {"rate_per_second": 12, "burst": 3, "latency_ms": 80},
    "blitzapi": {"latency_ms": 60},
    "companyenrich": {"latency_ms": 60},
}


@contextmanager
def fault_mix(sandbox: SandboxServer) -> Iterator[None]:
    """The fault mix on every provider of the workload, then neutral knobs again."""
    sandbox.set_knobs(FAULTS)
    try:
        yield
    finally:
        sandbox.set_knobs({name: NEUTRAL_KNOBS for name in FAULTS})


def attempts_recorded(engine: Engine, submission_id: UUID) -> int:
    """Return how many provider attempts the submission has recorded so far."""
    with engine.connect() as conn:
        return int(conn.execute(_COUNT_SQL, {"submission": submission_id}).scalar_one())


def reusable_answers(engine: Engine, submission_id: UUID) -> int:
    """Answers bought for steps an interruption left unfinished: a resume takes them, buys none again."""
    with engine.connect() as conn:
        return int(conn.execute(_REUSABLE_SQL, {"submission": submission_id}).scalar_one())


def requests_by_provider(sandbox: SandboxServer) -> dict[str, int]:
    """Every request each provider's sandbox received so far."""
    stats: dict[str, Any] = sandbox.stats()
    return {name: int(stats[name]["requests"]) for name in PROVIDERS}


_REUSABLE_SQL = text(
    """
    SELECT count(*) FROM operation_attempts a
      JOIN pipeline_runs r ON r.id = a.pipeline_run_id AND r.status IN ('queued', 'running')
     WHERE a.submission_id = :submission AND a.final AND a.outcome IN ('found', 'not_found')
       AND NOT EXISTS (SELECT 1 FROM step_results s
                        WHERE s.pipeline_run_id = a.pipeline_run_id AND s.step_position = a.step_position)
    """
)
_COUNT_SQL = text("SELECT count(*) FROM operation_attempts WHERE submission_id = :submission")
_ATTEMPTS_SQL = text(
    """
    SELECT provider,
           count(*) FILTER (WHERE http_status IS NOT NULL) AS sent,
           count(*) FILTER (WHERE error_class IN ('interrupted', 'timeout')) AS maybe_sent,
           count(*) AS attempts
      FROM operation_attempts
     WHERE submission_id = :submission
     GROUP BY provider
    """
)
_BOUGHT_TWICE_SQL = text(
    """
    SELECT count(*) FROM (
        SELECT pipeline_run_id, step_position, provider, action, call_key
          FROM operation_attempts
         WHERE submission_id = :submission AND final AND outcome IN ('found', 'not_found')
         GROUP BY 1, 2, 3, 4, 5 HAVING count(*) > 1
    ) twice
    """
)
_STEPS_TWICE_SQL = text(
    """
    SELECT count(*) FROM (
        SELECT pipeline_run_id, step_position FROM operation_runs
         WHERE submission_id = :submission GROUP BY 1, 2 HAVING count(*) > 1
    ) twice
    """
)
# Every finished step of a run that ended with an entity has exactly one step_execution event.
_EVENTS_SQL = text(
    """
    SELECT count(*) FILTER (WHERE e.n IS DISTINCT FROM 1) AS wrong, count(*) AS steps
      FROM step_results s
      JOIN pipeline_runs r ON r.id = s.pipeline_run_id AND r.entity_id IS NOT NULL
      LEFT JOIN LATERAL (
          SELECT count(*) AS n FROM entity_timeline t
           WHERE t.pipeline_run_id = s.pipeline_run_id AND t.event_type = 'step_execution'
             AND (t.metadata->>'step_position')::int = s.step_position
      ) e ON true
     WHERE s.submission_id = :submission AND s.status IN ('succeeded', 'failed', 'skipped')
    """
)
# A fan-out step that found children has its discovery event, and each child its own.
_DISCOVERY_SQL = text(
    """
    SELECT
      (SELECT count(*) FROM pipeline_runs c
        WHERE c.submission_id = :submission AND c.parent_pipeline_run_id IS NOT NULL
          AND c.entity_id IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM entity_timeline t
                           WHERE t.pipeline_run_id = c.parent_pipeline_run_id
                             AND t.event_type = 'fan_out_discovery'
                             AND t.metadata->>'child_pipeline_run_id' = c.id::text)) AS children_missing,
      (SELECT count(*) FROM pipeline_runs c
        WHERE c.submission_id = :submission AND c.parent_pipeline_run_id IS NOT NULL) AS children
    """
)
_FAILED_RUNS_SQL = text(
    """
    SELECT count(*) FILTER (WHERE coalesce(error_details->>'message', '') = '') AS unexplained,
           count(*) AS failed
      FROM pipeline_runs WHERE submission_id = :submission AND status = 'failed'
    """
)


@dataclass
class Accounting:
    """What an interrupted batch bought, recorded and wrote."""

    requests: dict[str, int]
    sent: dict[str, int]  # attempts whose request surely reached the provider: it answered
    # Cut off at a stop's deadline, or timed out: sent, or perhaps not. A timeout's deadline also covers
    # waiting for a pooled connection and connecting, and on a loaded machine the sandbox may not have
    # read the request yet when the client gives up.
    maybe_sent: dict[str, int]
    attempts: int
    bought_twice: int
    steps_twice: int
    steps: int
    steps_without_one_event: int
    children: int
    children_without_discovery: int
    failed_runs: int
    unexplained_failures: int

    @property
    def unrecorded(self) -> int:
        """Requests the sandbox received that no attempt records (calls in flight at a kill).

        Below zero by at most the attempts cut off or timed out whose request never reached the provider.
        """
        return sum(self.requests.values()) - sum(self.sent.values()) - sum(self.maybe_sent.values())


def account(engine: Engine, submission_id: UUID, requests: Mapping[str, int]) -> Accounting:
    """Compare the sandbox's requests (since the batch began) with what the batch recorded."""
    params = {"submission": submission_id}
    with engine.connect() as conn:
        per_provider = {
            r.provider: (int(r.sent), int(r.attempts), int(r.maybe_sent))
            for r in conn.execute(_ATTEMPTS_SQL, params)
        }
        bought_twice = conn.execute(_BOUGHT_TWICE_SQL, params).scalar_one()
        steps_twice = conn.execute(_STEPS_TWICE_SQL, params).scalar_one()
        events = conn.execute(_EVENTS_SQL, params).one()
        discovery = conn.execute(_DISCOVERY_SQL, params).one()
        failures = conn.execute(_FAILED_RUNS_SQL, params).one()
    return Accounting(
        requests=dict(requests),
        sent={p: per_provider.get(p, (0, 0, 0))[0] for p in requests},
        maybe_sent={p: per_provider.get(p, (0, 0, 0))[2] for p in requests},
        attempts=sum(a for _, a, _ in per_provider.values()),
        bought_twice=int(bought_twice),
        steps_twice=int(steps_twice),
        steps=int(events.steps),
        steps_without_one_event=int(events.wrong),
        children=int(discovery.children),
        children_without_discovery=int(discovery.children_missing),
        failed_runs=int(failures.failed),
        unexplained_failures=int(failures.unexplained),
    )


def assert_accounted(books: Accounting, *, in_flight: int = 0) -> None:
    """Assert the spend-safety properties; `in_flight` is how many requests a kill may have cut off."""
    assert books.bought_twice == 0, f"{books.bought_twice} answers bought twice"
    assert books.steps_twice == 0, f"{books.steps_twice} steps executed twice into the history"
    for provider, asked in books.requests.items():
        recorded = books.sent[provider]
        assert recorded <= asked, f"{provider}: {recorded} attempts recorded for {asked} requests"
    # A call cut off at a stop's deadline, or timed out, is recorded whether or not its request had
    # reached the provider: at that instant nobody can know, so those may be missing from its count.
    cut_off = sum(books.maybe_sent.values())
    assert -cut_off <= books.unrecorded <= in_flight, (
        f"{books.unrecorded} requests unrecorded (allowed {in_flight}, {cut_off} cut off): "
        f"{books.requests} vs {books.sent} + {books.maybe_sent}"
    )
    assert books.steps_without_one_event == 0, (
        f"{books.steps_without_one_event} of {books.steps} finished steps without exactly one event"
    )
    assert books.children_without_discovery == 0, (
        f"{books.children_without_discovery} of {books.children} children without a discovery event"
    )
    assert books.unexplained_failures == 0, f"{books.unexplained_failures} failed runs do not say why"
