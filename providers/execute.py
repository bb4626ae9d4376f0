"""Run one adapter action once over the shared HTTP client: build, send, parse, and poll if asynchronous.

One call here is one *attempt*: retries, rate limits and circuit breaking belong to the cluster's
gateway, which reads `ProviderResult.outcome` and `retry_after_s`. Nothing here raises for a provider
problem; every way a call can end becomes a classified `ProviderResult`.
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


async def _send(client: HttpClient, endpoint: Endpoint, spec: RequestSpec) -> HttpResponse | TransportError:
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
) -> ProviderResult:
    """Run action for inputs once (polling to completion if asynchronous) and classify the outcome."""
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
        outcome = await _single(action, spec, endpoint, client)
    else:
        outcome = await _polled(action, spec, endpoint, client, sleep)
    return outcome.with_timing((time.perf_counter() - started) * 1000)


async def _single(
    action: Action, spec: RequestSpec, endpoint: Endpoint, client: HttpClient
) -> ProviderResult:
    response = await _send(client, endpoint, spec)
    if isinstance(response, TransportError):
        return _transport_failure(action, response)
    try:
        return action.parse(response)
    except Exception as exc:
        return _parser_crash(action, response, exc)


async def _polled(
    action: PolledAction, spec: RequestSpec, endpoint: Endpoint, client: HttpClient, sleep: Sleep
) -> ProviderResult:
    deadline = time.monotonic() + action.deadline_s
    response = await _send(client, endpoint, spec)
    if isinstance(response, TransportError):
        return _transport_failure(action, response)
    try:
        state = action.parse_submit(response)
    except Exception as exc:
        return _parser_crash(action, response, exc)
    polls = 0
    wait = action.poll_interval_s
    while isinstance(state, Pending):
        if time.monotonic() + wait > deadline:
            return ProviderResult(
                provider=action.provider,
                action=action.name,
                outcome=Outcome.RETRYABLE,
                error_class=ErrorClass.DEADLINE,
                provider_status=state.provider_status,
                message=f"no answer after {polls} polls in {action.deadline_s:.0f}s (job {state.job_id})",
                raw=state.raw,
            )
        await sleep(wait)
        wait = action.poll_interval_s
        polls += 1
        poll = await _send(client, endpoint, action.build_poll(state.job_id, endpoint.credentials))
        if isinstance(poll, TransportError):
            continue  # the job lives on the provider's side; a lost poll is simply retried
        try:
            answer = action.parse_poll(poll, state.job_id)
        except Exception as exc:
            return _parser_crash(action, poll, exc)
        if isinstance(answer, ProviderResult) and answer.is_retryable:
            if answer.error_class not in _TRANSIENT:
                return answer  # the job itself ended badly (e.g. aborted): polling on cannot help
            # A throttled or failed *poll* does not end the job: wait as told, then poll again.
            wait = max(action.poll_interval_s, answer.retry_after_s or 0.0)
            continue
        if isinstance(answer, Ready):
            return await _fetch_result(action, answer, endpoint, client, sleep, deadline)
        state = answer
    return state


async def _fetch_result(
    action: PolledAction, ready: Ready, endpoint: Endpoint, client: HttpClient, sleep: Sleep, deadline: float
) -> ProviderResult:
    """Fetch a finished job's result, retrying transient failures until the deadline.

    The job is done and paid for: giving up here would make the gateway start (and pay for) a new one.
    """
    if action.build_result is None or action.parse_result is None:
        raise TypeError(f"{action.provider}.{action.name} answered Ready but has no result step")
    while True:
        response = await _send(client, endpoint, action.build_result(ready.job_id, endpoint.credentials))
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
