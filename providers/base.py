"""The adapter contract: pure request builders and response parsers, and the outcome of one provider call.

An adapter module declares a `Provider` (name, documented limits, default base URL, how it
authenticates) and its `Action`s. An action is two pure functions: `build` turns canonical inputs
into a `RequestSpec` (or a `Skip` when an input it needs is missing), and `parse` turns the HTTP
answer into a `ProviderResult` classified as found / not_found / retryable / failed. Asynchronous
providers add a poll step (`PolledAction`). Nothing here does I/O: `providers/execute.py` sends the
requests, and the cluster's gateway decides about retries and rate limits.
"""

from __future__ import annotations

import email.utils
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from providers.http import HttpResponse, MalformedBody


class Outcome(StrEnum):
    """How one provider call ended."""

    FOUND = "found"
    NOT_FOUND = "not_found"
    RETRYABLE = "retryable"  # 429, 5xx, timeout, connection error: try again later
    FAILED = "failed"  # final: bad key, no credits, bad input, a body we cannot read
    SKIPPED = "skipped"  # never sent: an input or the credential is missing


class ErrorClass(StrEnum):
    """Why a call did not find anything, in words the gateway and the history can aggregate."""

    RATE_LIMITED = "rate_limited"
    SERVER_ERROR = "server_error"
    TIMEOUT = "timeout"
    CONNECTION = "connection"
    BAD_KEY = "bad_key"
    NO_CREDITS = "no_credits"
    BAD_INPUT = "bad_input"
    MALFORMED_BODY = "malformed_body"
    PROVIDER_ERROR = "provider_error"
    DEADLINE = "deadline"
    INTERRUPTED = "interrupted"  # sent, but the engine stopped before the answer came


@dataclass(frozen=True, slots=True)
class Credentials:
    """What a provider needs to authenticate: a key, and for some an account field (Adyntel's email)."""

    api_key: str | None
    extra: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RequestSpec:
    """A request relative to the provider's base URL; `execute` makes it absolute."""

    method: str
    path: str
    headers: Mapping[str, str] = field(default_factory=dict)
    params: Mapping[str, str] | None = None
    json: Any = None
    timeout_s: float | None = None
    max_body_bytes: int | None = None  # stop reading a body over this (the response comes back truncated)


@dataclass(frozen=True, slots=True)
class Skip:
    """The action cannot run for these inputs; the waterfall moves on without counting a failure."""

    reason: str  # e.g. "missing_required_inputs", "missing_provider_api_key"
    missing: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ProviderResult:
    """The classified outcome of one action (including all its polls), with what a history row needs."""

    provider: str
    action: str
    outcome: Outcome
    data: dict[str, Any] | None = None  # the action's normalized answer; set when found
    http_status: int | None = None
    provider_status: str | None = None  # the provider's own word for it ("valid", "NO_MATCH", …)
    error_class: ErrorClass | None = None
    message: str | None = None
    retry_after_s: float | None = None
    cost_usd: float = 0.0
    duration_ms: float | None = None
    raw: Any = None  # the parsed body (or text) of the last answer
    skip_reason: str | None = None
    missing_inputs: tuple[str, ...] = ()
    retried: tuple[ProviderResult, ...] = ()  # the gateway's earlier tries of this call, oldest first

    @property
    def is_retryable(self) -> bool:
        return self.outcome is Outcome.RETRYABLE

    def with_timing(self, duration_ms: float) -> ProviderResult:
        """Return a copy carrying the measured duration."""
        return replace(self, duration_ms=duration_ms)


Build = Callable[[Mapping[str, Any], Credentials], "RequestSpec | Skip"]
Parse = Callable[[HttpResponse], ProviderResult]


@dataclass(frozen=True, slots=True)
class Action:
    """One call of one provider: build the request from canonical inputs, parse the answer."""

    provider: str
    name: str
    build: Build
    parse: Parse
    cost_usd: float = 0.0  # the documented price of a billable answer; parse may refine it
    description: str = ""
    max_cost_usd: float | None = None  # the most one call can cost (priced per result); else cost_usd


@dataclass(frozen=True, slots=True)
class Pending:
    """An asynchronous job is still running; poll again later."""

    job_id: str
    provider_status: str | None = None
    raw: Any = None


@dataclass(frozen=True, slots=True)
class Ready:
    """An asynchronous job has finished; its result is fetched by the action's result step."""

    job_id: str
    raw: Any = None


PollBuild = Callable[[str, Credentials], RequestSpec]
PollParse = Callable[[HttpResponse, str], "ProviderResult | Pending | Ready"]
SubmitParse = Callable[[HttpResponse], "ProviderResult | Pending"]
ResultParse = Callable[[HttpResponse, str], ProviderResult]
# Reading many jobs in one request: the build takes the job ids, the parse answers the jobs it saw
# (absent ones stay pending) or, when the read itself failed, one result for the whole read.
PollManyBuild = Callable[[Sequence[str], Credentials], RequestSpec]
PollManyParse = Callable[
    [HttpResponse, Sequence[str]], "Mapping[str, ProviderResult | Pending | Ready] | ProviderResult"
]


@dataclass(frozen=True, slots=True)
class PolledAction:
    """Submit, then poll until a final answer or the deadline (Icypeas, Parallel task runs)."""

    provider: str
    name: str
    build: Build
    parse_submit: SubmitParse  # a Pending with the job id, or a final result (bad input, no funds…)
    build_poll: PollBuild
    parse_poll: PollParse
    poll_interval_s: float  # the provider's documented minimum between polls
    deadline_s: float  # give up (retryable, error_class=deadline) after this long
    cost_usd: float = 0.0
    description: str = ""
    # For providers whose status poll and result are separate calls (Parallel): parse_poll answers
    # Ready, then the result is fetched once with these.
    build_result: PollBuild | None = None
    parse_result: ResultParse | None = None
    # For providers that read many jobs in one request (Icypeas' list read): the gateway then polls
    # all of a credential's open jobs together, up to poll_many_limit per read, instead of one each.
    build_poll_many: PollManyBuild | None = None
    parse_poll_many: PollManyParse | None = None
    poll_many_limit: int = 100


AnyAction = Action | PolledAction


@dataclass(frozen=True, slots=True)
class RateLimit:
    """A documented limit: `rate` requests per `per_seconds`, at most `concurrency` in flight."""

    rate: float
    per_seconds: float = 1.0
    concurrency: int = 10

    @property
    def per_second(self) -> float:
        return self.rate / self.per_seconds


@dataclass(frozen=True, slots=True)
class RateLimits:
    """Every rate limit of one credential: a shared one, and paths that have a limit of their own.

    A request counts against exactly one *lane*: the limit its path has of its own where the provider
    documents one (Icypeas' read), one limit for a family of paths (`"/search-*"`: Prospeo's searches
    share theirs), each path separately at the shared rate when the provider limits per endpoint
    (BlitzAPI), else the shared lane "". Concurrency is the shared limit's. An `account` limit caps
    every request of the key together, on top of its lane (LeadMagic: 5,000/min across endpoints).
    """

    shared: RateLimit
    paths: Mapping[str, RateLimit] = field(default_factory=dict)
    per_path: bool = False
    account: RateLimit | None = None

    def lane(self, path: str) -> tuple[str, RateLimit]:
        """Return the lane a request to path counts against, and that lane's limit."""
        own = self.paths.get(path)
        if own is not None:
            return path, own
        for pattern, limit in self.paths.items():
            if pattern.endswith("*") and path.startswith(pattern[:-1]):
                return pattern, limit
        if self.per_path:
            return path, self.shared
        return "", self.shared


@dataclass(frozen=True, slots=True)
class CredentialField:
    """A credential a provider needs beside its key: read from `<NAME>_<SETTING>`, handed to builds as `key`.

    Calls cannot be sent without it (the adapter skips them), so a provider lacking one counts as
    not configured, like one without a key.
    """

    setting: str  # e.g. "account_email": the ADYNTEL_ACCOUNT_EMAIL variable
    key: str  # its name in `Credentials.extra`, e.g. "email"
    sandbox_value: str  # what the local sandbox accepts for it
    description: str = ""


@dataclass(frozen=True, slots=True)
class Provider:
    """A provider's identity, documented defaults and its actions by name.

    It is the one declaration of a provider: `providers.registry` finds it as the `PROVIDER` of its
    module, settings read `<NAME>_API_KEY`, `<NAME>_BASE_URL` and each of `credential_fields` from it,
    and the sandbox serves it under `/<name>`.
    """

    name: str
    base_url: str  # the real service; config may point it elsewhere (the sandbox)
    rate_limit: RateLimit  # the shared limit; concurrency caps requests in flight per credential
    actions: Mapping[str, AnyAction]
    docs: str = ""  # where the facts behind this adapter come from
    # Documented per-endpoint limits, by path or by a family of paths ("/search-*").
    path_limits: Mapping[str, RateLimit] = field(default_factory=dict)
    limit_per_path: bool = False  # every endpoint has its own bucket at rate_limit's rate
    account_limit: RateLimit | None = None  # every request of the key together, on top of its lane
    # The free balance check (`GET /v1/credits`, `GET /me`…) where the provider documents one: an
    # action without inputs whose found answer is a `balance(…)`. Kept apart from `actions`, which
    # operations call and pay for.
    credits: Action | None = None
    credits_note: str = "no balance endpoint"  # what is known, or uncertain, about the check
    credential_fields: tuple[CredentialField, ...] = ()  # what it needs beside its key (Adyntel's email)
    needs_key: bool = True  # False: public, keyless (the web lane); no <NAME>_API_KEY is asked for

    @property
    def rate_limits(self) -> RateLimits:
        """Return the documented limits as one RateLimits."""
        return RateLimits(self.rate_limit, self.path_limits, self.limit_per_path, self.account_limit)


CREDITS = "credits"  # the action name of every provider's balance check


def number(value: Any) -> float | None:
    """Return a JSON number (or numeric string) as a float; None for anything else, booleans included."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


def balance(
    provider: str,
    response: HttpResponse,
    remaining: float | None,
    *,
    plan: Any = None,
    renews_at: Any = None,
    used: float | None = None,
    **extra: Any,
) -> ProviderResult:
    """Return a balance check's answer, normalized: credits remaining, plan, renewal, credits used.

    A balance without a readable `remaining` is a body we cannot read, not a zero balance.
    """
    if remaining is None:
        return malformed(CREDITS, provider, response, "no credits balance in the answer")
    data = {
        "credits_remaining": remaining,
        "plan": str(plan) if plan not in (None, "") else None,
        "renews_at": str(renews_at) if renews_at not in (None, "") else None,
        "credits_used": used,
        **{k: v for k, v in extra.items() if v is not None},
    }
    return result(CREDITS, provider, Outcome.FOUND, response, data=data, provider_status="balance")


def result(
    action: str,
    provider: str,
    outcome: Outcome,
    response: HttpResponse | None = None,
    **fields: Any,
) -> ProviderResult:
    """Build a ProviderResult, filling http_status and raw from the response."""
    if response is not None:
        fields.setdefault("http_status", response.status)
        if "raw" not in fields:
            fields["raw"] = body_of(response)
    return ProviderResult(provider=provider, action=action, outcome=outcome, **fields)


def body_of(response: HttpResponse) -> Any:
    """Return the body as JSON when it is JSON, else as text (None when empty)."""
    if not response.body:
        return None
    try:
        return response.json()
    except MalformedBody:
        return response.text


def json_object(response: HttpResponse) -> dict[str, Any] | None:
    """Return the body when it is a JSON object, else None."""
    try:
        body = response.json()
    except MalformedBody:
        return None
    return body if isinstance(body, dict) else None


def retry_after_seconds(headers: Mapping[str, str], default: float | None = None) -> float | None:
    """Read Retry-After (seconds or an HTTP date) from lower-cased headers."""
    value = headers.get("retry-after")
    if value is None:
        return default
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return default
    return max(0.0, when.timestamp() - time.time())


def classify_http_error(action: str, provider: str, response: HttpResponse, **fields: Any) -> ProviderResult:
    """Classify a non-success HTTP status the way most providers mean it.

    429 and 5xx are retryable (429 carries Retry-After); 401/403 are a bad key; 402 is no credits;
    other 4xx are bad input. Adapters handle their own quirks before falling back to this.
    """
    status = response.status
    if status == 429:
        return result(
            action,
            provider,
            Outcome.RETRYABLE,
            response,
            error_class=ErrorClass.RATE_LIMITED,
            retry_after_s=retry_after_seconds(response.headers, 1.0),
            **fields,
        )
    if status >= 500:
        return result(
            action,
            provider,
            Outcome.RETRYABLE,
            response,
            error_class=ErrorClass.SERVER_ERROR,
            retry_after_s=retry_after_seconds(response.headers),
            **fields,
        )
    if status in (401, 403):
        error = ErrorClass.BAD_KEY
    elif status == 402:
        error = ErrorClass.NO_CREDITS
    else:
        error = ErrorClass.BAD_INPUT
    return result(action, provider, Outcome.FAILED, response, error_class=error, **fields)


def malformed(
    action: str, provider: str, response: HttpResponse, message: str = "unreadable body"
) -> ProviderResult:
    """Classify a success status whose body we cannot read: final, since retrying rarely fixes it."""
    return result(
        action, provider, Outcome.FAILED, response, error_class=ErrorClass.MALFORMED_BODY, message=message
    )


def bare_domain(value: Any) -> str | None:
    """Reduce a website URL or domain to `host.tld` (no scheme, `www.`, port or path)."""
    if not isinstance(value, str):
        return None
    host = re.sub(r"^[a-z][a-z0-9+.-]*://", "", value.strip().lower())
    host = re.split(r"[/?#:]", host, maxsplit=1)[0].rstrip(".")
    host = re.sub(r"^www\d*\.", "", host)
    return host if "." in host else None


def first_present(inputs: Mapping[str, Any], *names: str) -> Any:
    """Return the first non-blank input among names (strings are stripped), else None."""
    for name in names:
        value = inputs.get(name)
        if isinstance(value, str):
            value = value.strip()
        if value not in (None, "", [], {}):
            return value
    return None


def missing(*alternatives: str) -> Skip:
    """Skip for missing inputs; each argument is one requirement, `a|b` meaning either."""
    return Skip(reason="missing_required_inputs", missing=alternatives)


NO_KEY = Skip(reason="missing_provider_api_key")
