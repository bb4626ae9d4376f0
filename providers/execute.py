"""Run one adapter action once over the shared HTTP client: build, send, parse, and poll if asynchronous.

One call here is one *attempt*: retries, rate limits and circuit breaking belong to the cluster's
gateway, which reads `ProviderResult.outcome` and `retry_after_s`, and which passes `admit`: awaited
before every request of the attempt (a submit, each poll, a result fetch) with the request's path, so
each one counts against its endpoint's rate limit. Nothing here raises for a provider problem; every
way a call can end becomes a classified `ProviderResult`.

`BatchPoller` serves the polled actions that can read many jobs in one request (Icypeas): every open
job of a credential waits on one shared read loop instead of polling on its own.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from providers.base import (
    Action,
    AnyAction,
    Credentials,
    ErrorClass,
    Outcome,
    Pending,
    PolledAction,
    ProviderResult,
    Ready,
    RequestSpec,
    Skip,
)
from providers.http import HttpClient, HttpRequest, HttpResponse, TransportError

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]
Admit = Callable[[str], Awaitable[None]]


async def _admitted(path: str) -> None:
    """The admission of a request outside any gateway: at once."""


# Poll and result-fetch answers that say "ask again" rather than "the job is over".
_TRANSIENT = frozenset(
    {ErrorClass.RATE_LIMITED, ErrorClass.SERVER_ERROR, ErrorClass.TIMEOUT, ErrorClass.CONNECTION}
)


@dataclass(frozen=True, slots=True)
class Endpoint:
    """Where one provider is reached and with which credentials (resolved from settings)."""

    base_url: str
    credentials: Credentials
    max_timeout_s: float | None = None  # caps every request's timeout (tests, tight gateways)


def _absolute(endpoint: Endpoint, spec: RequestSpec) -> HttpRequest:
    timeout = spec.timeout_s
    if endpoint.max_timeout_s is not None:
        timeout = min(timeout or endpoint.max_timeout_s, endpoint.max_timeout_s)
    return HttpRequest(
        method=spec.method,
        url=endpoint.base_url.rstrip("/") + spec.path,
        headers=dict(spec.headers),
        params=spec.params,
        json=spec.json,
        timeout_s=timeout,
        max_body_bytes=spec.max_body_bytes,
    )


def _skipped(action: AnyAction, skip: Skip) -> ProviderResult:
    return ProviderResult(
        provider=action.provider,
        action=action.name,
        outcome=Outcome.SKIPPED,
        skip_reason=skip.reason,
        missing_inputs=skip.missing,
    )


def _transport_failure(action: AnyAction, exc: TransportError) -> ProviderResult:
    error = ErrorClass.TIMEOUT if exc.kind == "timeout" else ErrorClass.CONNECTION
    return ProviderResult(
        provider=action.provider,
        action=action.name,
        outcome=Outcome.RETRYABLE,
        error_class=error,
        message=str(exc),
    )


def _parser_crash(action: AnyAction, response: HttpResponse, exc: Exception) -> ProviderResult:
    # A parser that trips over an unexpected shape is a provider contract problem, not our crash.
    log.warning("%s.%s could not parse a %s answer: %r", action.provider, action.name, response.status, exc)
    return ProviderResult(
        provider=action.provider,
        action=action.name,
        outcome=Outcome.FAILED,
        error_class=ErrorClass.MALFORMED_BODY,
        http_status=response.status,
        message=f"unexpected response shape: {exc}",
        raw=response.text[:10_000],
    )


async def _send(
    client: HttpClient, endpoint: Endpoint, spec: RequestSpec, admit: Admit = _admitted
) -> HttpResponse | TransportError:
    await admit(spec.path)
    try:
        return await client.send(_absolute(endpoint, spec))
    except TransportError as exc:
        return exc


async def execute(
    action: AnyAction,
    inputs: Mapping[str, Any],
    *,
    endpoint: Endpoint,
    client: HttpClient,
    sleep: Sleep = asyncio.sleep,
    admit: Admit = _admitted,
    poller: BatchPoller | None = None,
) -> ProviderResult:
    """Run action for inputs once (polling to completion if asynchronous) and classify the outcome.

    Every request waits for `admit(path)` first. A polled action whose `poller` is given waits on it
    for its job's answer instead of polling by itself.
    """
    started = time.perf_counter()
    try:
        spec = action.build(inputs, endpoint.credentials)
    except (KeyError, TypeError, ValueError) as exc:
        # Inputs of the wrong shape (a list where a name belongs…) are bad input, not a crash.
        failed = ProviderResult(
            provider=action.provider,
            action=action.name,
            outcome=Outcome.FAILED,
            error_class=ErrorClass.BAD_INPUT,
            message=f"cannot build the request: {exc}",
        )
        return failed.with_timing(0.0)
    if isinstance(spec, Skip):
        return _skipped(action, spec).with_timing(0.0)
    if isinstance(action, Action):
        outcome = await _single(action, spec, endpoint, client, admit)
    else:
        outcome = await _polled(action, spec, endpoint, client, sleep, admit, poller)
    return outcome.with_timing((time.perf_counter() - started) * 1000)


async def _single(
    action: Action, spec: RequestSpec, endpoint: Endpoint, client: HttpClient, admit: Admit
) -> ProviderResult:
    response = await _send(client, endpoint, spec, admit)
    if isinstance(response, TransportError):
        return _transport_failure(action, response)
    try:
        return action.parse(response)
    except Exception as exc:
        return _parser_crash(action, response, exc)


def _deadline_passed(action: PolledAction, state: Pending, polls: str) -> ProviderResult:
    return ProviderResult(
        provider=action.provider,
        action=action.name,
        outcome=Outcome.RETRYABLE,
        error_class=ErrorClass.DEADLINE,
        provider_status=state.provider_status,
        message=f"no answer after {polls} in {action.deadline_s:.0f}s (job {state.job_id})",
        raw=state.raw,
    )


async def _polled(
    action: PolledAction,
    spec: RequestSpec,
    endpoint: Endpoint,
    client: HttpClient,
    sleep: Sleep,
    admit: Admit,
    poller: BatchPoller | None,
) -> ProviderResult:
    deadline = time.monotonic() + action.deadline_s
    response = await _send(client, endpoint, spec, admit)
    if isinstance(response, TransportError):
        return _transport_failure(action, response)
    try:
        state = action.parse_submit(response)
    except Exception as exc:
        return _parser_crash(action, response, exc)
    if isinstance(state, Pending) and poller is not None:
        shared = await poller.wait(state, deadline)
        if isinstance(shared, Pending):
            return _deadline_passed(action, shared, "shared reads")
        if isinstance(shared, Ready):
            return await _fetch_result(action, shared, endpoint, client, sleep, deadline, admit)
        return shared
    polls = 0
    wait = action.poll_interval_s
    while isinstance(state, Pending):
        if time.monotonic() + wait > deadline:
            return _deadline_passed(action, state, f"{polls} polls")
        await sleep(wait)
        wait = action.poll_interval_s
        polls += 1
        answer = await _read_one(action, state.job_id, endpoint, client, admit)
        if answer is None:
            continue  # the job lives on the provider's side; a lost poll is simply retried
        if isinstance(answer, ProviderResult) and answer.is_retryable:
            if answer.error_class not in _TRANSIENT:
                return answer  # the job itself ended badly (e.g. aborted): polling on cannot help
            # A throttled or failed *poll* does not end the job: wait as told, then poll again.
            wait = max(action.poll_interval_s, answer.retry_after_s or 0.0)
            continue
        if isinstance(answer, Ready):
            return await _fetch_result(action, answer, endpoint, client, sleep, deadline, admit)
        state = answer
    return state


async def _read_one(
    action: PolledAction, job_id: str, endpoint: Endpoint, client: HttpClient, admit: Admit
) -> ProviderResult | Pending | Ready | None:
    """Poll one job once; None when the poll was lost on the way."""
    poll = await _send(client, endpoint, action.build_poll(job_id, endpoint.credentials), admit)
    if isinstance(poll, TransportError):
        return None
    try:
        return action.parse_poll(poll, job_id)
    except Exception as exc:
        return _parser_crash(action, poll, exc)


async def _fetch_result(
    action: PolledAction,
    ready: Ready,
    endpoint: Endpoint,
    client: HttpClient,
    sleep: Sleep,
    deadline: float,
    admit: Admit,
) -> ProviderResult:
    """Fetch a finished job's result, retrying transient failures until the deadline.

    The job is done and paid for: giving up here would make the gateway start (and pay for) a new one.
    """
    if action.build_result is None or action.parse_result is None:
        raise TypeError(f"{action.provider}.{action.name} answered Ready but has no result step")
    while True:
        response = await _send(
            client, endpoint, action.build_result(ready.job_id, endpoint.credentials), admit
        )
        if isinstance(response, TransportError):
            outcome = _transport_failure(action, response)
        else:
            try:
                outcome = action.parse_result(response, ready.job_id)
            except Exception as exc:
                return _parser_crash(action, response, exc)
        transient = outcome.is_retryable and (outcome.error_class in _TRANSIENT)
        wait = max(action.poll_interval_s, outcome.retry_after_s or 0.0)
        if not transient or time.monotonic() + wait > deadline:
            return outcome
        await sleep(wait)


@dataclass(slots=True)
class _OpenJob:
    answer: asyncio.Future[ProviderResult | Ready]
    latest: Pending
    unseen: int = 0  # shared reads in a row that did not show this job


class BatchPoller:
    """Reads every open job of one polled action together: one request per interval_s.

    A read covers the oldest `poll_many_limit` open jobs. A job that two reads in a row did not show
    (the provider's list moved on without it) is read on its own, at most `single_reads` of them per
    shared read, so that they never crowd out the shared reads within the endpoint's limit. Throttled
    or lost reads are waited out; a read refused for good (a revoked key) ends every job it covered.
    """

    def __init__(
        self,
        action: PolledAction,
        *,
        endpoint: Endpoint,
        client: HttpClient,
        admit: Admit = _admitted,
        sleep: Sleep = asyncio.sleep,
        single_reads: int = 1,
        interval_s: float | None = None,
    ) -> None:
        if action.build_poll_many is None or action.parse_poll_many is None:
            raise TypeError(f"{action.provider}.{action.name} cannot read many jobs at once")
        self.action = action
        # Between shared reads: the action's documented interval, or less where the plan reads faster.
        self.interval_s = action.poll_interval_s if interval_s is None else interval_s
        self.endpoint = endpoint
        self.client = client
        self.admit = admit
        self.sleep = sleep
        self.single_reads = max(1, single_reads)
        self._jobs: dict[str, _OpenJob] = {}  # in submission order
        self._loop_task: asyncio.Task[None] | None = None

    @property
    def open_jobs(self) -> int:
        return len(self._jobs)

    async def wait(self, pending: Pending, deadline: float) -> ProviderResult | Ready | Pending:
        """Wait for the job's final answer (or Ready); its latest Pending when the deadline passes."""
        job = _OpenJob(asyncio.get_running_loop().create_future(), pending)
        self._jobs[pending.job_id] = job
        if self._loop_task is None or self._loop_task.done():
            self._loop_task = asyncio.create_task(self._read_loop())
        try:
            return await asyncio.wait_for(job.answer, max(0.0, deadline - time.monotonic()))
        except TimeoutError:
            return job.latest
        finally:
            if self._jobs.get(pending.job_id) is job:
                del self._jobs[pending.job_id]

    def _settle(self, job_id: str, answer: ProviderResult | Ready) -> None:
        job = self._jobs.pop(job_id, None)
        if job is not None and not job.answer.done():
            job.answer.set_result(answer)

    def _take(self, job_id: str, answer: ProviderResult | Pending | Ready) -> None:
        """Apply one job's answer: keep waiting while pending or the poll was throttled, else settle."""
        job = self._jobs.get(job_id)
        if job is None:
            return
        job.unseen = 0
        if isinstance(answer, Pending):
            job.latest = answer
            return
        if isinstance(answer, ProviderResult) and answer.is_retryable and answer.error_class in _TRANSIENT:
            return  # this job's read was throttled or failed: the next read asks again
        self._settle(job_id, answer)

    async def _read_loop(self) -> None:
        wait = self.interval_s
        while self._jobs:
            await self.sleep(wait)
            wait = self.interval_s
            try:
                wait = max(wait, await self._read_all())
            except Exception:  # never leave waiters without a reader; their deadlines still hold
                log.exception("%s.%s shared read failed", self.action.provider, self.action.name)

    async def _read_all(self) -> float:
        """Read the oldest open jobs at once; return how long the provider asked to wait (0 if not)."""
        action = self.action
        assert action.build_poll_many is not None and action.parse_poll_many is not None
        job_ids = list(self._jobs)[: action.poll_many_limit]
        if not job_ids:
            return 0.0
        spec = action.build_poll_many(job_ids, self.endpoint.credentials)
        response = await _send(self.client, self.endpoint, spec, self.admit)
        if isinstance(response, TransportError):
            return 0.0
        try:
            answers = action.parse_poll_many(response, job_ids)
        except Exception as exc:
            answers = _parser_crash(action, response, exc)
        if isinstance(answers, ProviderResult):
            if answers.is_retryable and answers.error_class in _TRANSIENT:
                return answers.retry_after_s or 0.0
            for job_id in job_ids:
                self._settle(job_id, answers)
            return 0.0
        for job_id in job_ids:
            answer = answers.get(job_id)
            if answer is not None:
                self._take(job_id, answer)
            elif (job := self._jobs.get(job_id)) is not None:
                job.unseen += 1
        unseen = [j for j in job_ids if (job := self._jobs.get(j)) is not None and job.unseen >= 2]
        for job_id in unseen[: self.single_reads]:
            single = await _read_one(action, job_id, self.endpoint, self.client, self.admit)
            if single is not None:
                self._take(job_id, single)
        return 0.0
