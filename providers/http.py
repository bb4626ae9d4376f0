"""The one shared async HTTP client layer that every provider adapter sends its calls through.

Built on aiohttp, chosen by `python -m benchmarks http_clients`: 2,000 POSTs per candidate to a local
uvicorn server that answers after 50 ms, best of 2 interleaved rounds, on this project's 2-core machine
(Python 3.11.7, aiohttp 3.14.5, httpx 0.28.1, httpx-aiohttp 0.2.0):

    candidate                         req/s c=50   req/s c=200   client CPU ms/request (c=50, c=200)
    httpx, default transport                 128           134   7.75, 6.78
    aiohttp.ClientSession                    866         3,352   0.22, 0.20
    httpx over aiohttp (httpx-aiohttp)       883         2,161   0.51, 0.41
    providers.http.HttpClient                882         3,215   0.19, 0.17
    ceiling (concurrency / 50 ms)          1,000         4,000

An earlier run gave 133 / 890 / 827 / 879 req/s at c=50 and 112 / 2,645 / 1,909 / 2,788 at c=200.
httpx's own transport is CPU-bound: httpcore rescans its whole pool on every request (about 10,000
idle checks per request at c=50 under cProfile), so it is 7x slower at c=50 and 25x at c=200, and it
dropped a request at c=200 (ReadError on a kept-alive connection). httpx over aiohttp keeps up at c=50
but spends 2-2.5x aiohttp's CPU per request and falls to 0.64x at c=200; on 2 cores shared with Ray
workers, CPU per request matters as much as throughput. This layer costs nothing measurable over aiohttp.

Design decisions:
- One deadline per call (`timeout_s`, else the client default) covers waiting for a pooled connection,
  connecting, sending and reading the whole body; aiohttp's own timers are switched off so only ours runs.
- Redirects are never followed and nothing is retried or resent (not even aiohttp's own resend of an
  idempotent request whose connection dropped): retries, backoff and `Retry-After` belong to the gateway
  layer, which sees every status as returned and every network failure as a TransportError.
- No cookie jar: one client is shared by all providers and tenants, so no state may carry between calls.
- Bodies are kept as bytes after transfer decoding (gzip/deflate undone, nothing else); JSON is encoded
  and parsed with orjson. A request may cap its body (`max_body_bytes`, counted after decoding): a
  declared Content-Length over the cap stops before reading, and a body that grows past it stops
  there; either way the response comes back `truncated` and its connection is closed, not pooled.
- A client binds to the event loop of its first call and must stay there.
- Network failures surface as `TransportError` only; its message names the method and the URL without
  its query string, since providers often take API keys as query parameters.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType, TracebackType
from typing import Any, Literal

import aiohttp
import orjson
from yarl import URL

TransportErrorKind = Literal["timeout", "connect", "protocol"]

_EMPTY_HEADERS: Mapping[str, str] = MappingProxyType({})


class MalformedBody(ValueError):
    """The response body is not the JSON the caller asked for."""


class TransportError(Exception):
    """The call failed at the network level: no HTTP response was received in full."""

    kind: TransportErrorKind
    elapsed_ms: float

    def __init__(self, message: str, kind: TransportErrorKind, elapsed_ms: float) -> None:
        super().__init__(message)
        self.kind = kind
        self.elapsed_ms = elapsed_ms

    def __reduce__(self) -> tuple[type[TransportError], tuple[str, TransportErrorKind, float]]:
        # Keeps the error picklable with its fields, so it survives crossing a Ray task boundary.
        return (type(self), (str(self), self.kind, self.elapsed_ms))


@dataclass(frozen=True, slots=True)
class HttpRequest:
    """One HTTP call to make."""

    method: str
    url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    params: Mapping[str, str] | None = None
    json: Any = None
    timeout_s: float | None = None
    max_body_bytes: int | None = None  # read no more of the body than this (None: all of it)


@dataclass(frozen=True, slots=True)
class HttpResponse:
    """A complete HTTP response, whatever its status (its body cut short only when `truncated`)."""

    status: int
    headers: Mapping[str, str]
    body: bytes
    elapsed_ms: float
    # The body was over the request's max_body_bytes: reading stopped at the cap and `body` holds at
    # most its first max_body_bytes (nothing when the declared Content-Length was already over).
    truncated: bool = False

    def json(self) -> Any:
        """Parse the body as JSON, raising MalformedBody when it is not."""
        try:
            return orjson.loads(self.body)
        except orjson.JSONDecodeError as exc:
            what = "empty" if not self.body.strip() else "not JSON"
            raise MalformedBody(
                f"response body is {what} (status {self.status}, {len(self.body)} bytes): {exc}"
            ) from exc

    @property
    def text(self) -> str:
        """Return the body decoded as UTF-8, replacing undecodable bytes."""
        return self.body.decode("utf-8", errors="replace")


@dataclass(frozen=True, slots=True)
class ClientStats:
    """A snapshot of a client's counters since it was created."""

    requests: int
    responses: int
    errors: Mapping[TransportErrorKind, int]
    total_elapsed_ms: float


class HttpClient:
    """A pooled keep-alive HTTP client, safe to share between the coroutines of one event loop."""

    def __init__(
        self,
        *,
        max_connections: int = 100,
        max_connections_per_host: int = 0,
        default_timeout_s: float = 30.0,
        user_agent: str = "data-engine-x/0.1",
    ) -> None:
        if max_connections < 0 or max_connections_per_host < 0:
            raise ValueError("connection limits must be >= 0 (0 means unlimited)")
        if default_timeout_s <= 0:
            raise ValueError("default_timeout_s must be > 0")
        self._max_connections = max_connections
        self._max_connections_per_host = max_connections_per_host
        self._default_timeout_s = default_timeout_s
        self._user_agent = user_agent
        # The aiohttp session binds to the running loop, so it is made on first use, never here.
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closed = False
        self._requests = 0
        self._responses = 0
        self._errors: dict[TransportErrorKind, int] = {"timeout": 0, "connect": 0, "protocol": 0}
        self._total_elapsed_ms = 0.0

    async def __aenter__(self) -> HttpClient:
        """Open the connection pool in the running event loop."""
        self._open_session()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Close the connection pool."""
        await self.close()

    async def close(self) -> None:
        """Close the pooled connections; the client cannot be used afterwards."""
        self._closed = True
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    @property
    def stats(self) -> ClientStats:
        """Return a snapshot of the request, response, error and elapsed-time counters."""
        return ClientStats(
            requests=self._requests,
            responses=self._responses,
            errors=MappingProxyType(dict(self._errors)),
            total_elapsed_ms=self._total_elapsed_ms,
        )

    async def send(self, request: HttpRequest) -> HttpResponse:
        """Send one request and return its full response, or raise TransportError."""
        timeout_s = self._default_timeout_s if request.timeout_s is None else request.timeout_s
        if timeout_s <= 0:
            raise ValueError(f"timeout_s must be > 0, got {timeout_s}")
        if request.max_body_bytes is not None and request.max_body_bytes < 0:
            raise ValueError(f"max_body_bytes must be >= 0, got {request.max_body_bytes}")
        session = self._open_session()
        headers, data = _outgoing(request)
        self._requests += 1
        started = time.perf_counter()
        try:
            async with (
                asyncio.timeout(timeout_s),
                session.request(
                    request.method,
                    request.url,
                    params=request.params,
                    headers=headers,
                    data=data,
                    allow_redirects=False,
                ) as raw,
            ):
                status = raw.status
                response_headers = _lower_cased(raw.headers)
                body, truncated = await _read_body(raw, request)
        # aiohttp's socket timeouts are TimeoutError subclasses too, hence checked before connection errors.
        except TimeoutError as exc:
            raise self._failure(
                "timeout", f"no complete response within {timeout_s:g}s", request, started
            ) from exc
        except aiohttp.ClientConnectorError as exc:
            raise self._failure("connect", f"cannot connect: {exc}", request, started) from exc
        except aiohttp.InvalidURL:
            # A caller bug, not a network failure (nothing was sent), yet aiohttp's type must not leak out.
            self._requests -= 1
            raise ValueError(f"invalid URL for {request.method}: {_redacted(request.url)}") from None
        except (aiohttp.ClientError, OSError) as exc:
            detail = str(exc) or type(exc).__name__
            raise self._failure(
                "protocol", f"connection failed mid-call: {detail}", request, started
            ) from exc
        elapsed_ms = (time.perf_counter() - started) * 1000.0
        self._responses += 1
        self._total_elapsed_ms += elapsed_ms
        return HttpResponse(
            status=status, headers=response_headers, body=body, elapsed_ms=elapsed_ms, truncated=truncated
        )

    def _open_session(self) -> aiohttp.ClientSession:
        if self._closed:
            raise RuntimeError("HttpClient is closed; create a new one")
        loop = asyncio.get_running_loop()
        if self._session is None:
            connector = aiohttp.TCPConnector(
                limit=self._max_connections, limit_per_host=self._max_connections_per_host
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                headers={"User-Agent": self._user_agent},
                # No aiohttp timers: `send` enforces its own single deadline per call.
                timeout=aiohttp.ClientTimeout(),
                cookie_jar=aiohttp.DummyCookieJar(),
            )
            # aiohttp silently resends an idempotent request once if its connection drops mid-call; whether
            # to resend (credits, rate limits) is the gateway's call. aiohttp 3.x has no public switch for
            # this, so the private flag is set; tests/providers/test_http.py pins the behaviour.
            self._session._retry_connection = False
            self._loop = loop
        elif self._loop is not loop:
            raise RuntimeError("HttpClient is bound to another event loop; create one per loop")
        return self._session

    def _failure(
        self, kind: TransportErrorKind, what: str, request: HttpRequest, started: float
    ) -> TransportError:
        elapsed_ms = (time.perf_counter() - started) * 1000.0
        self._errors[kind] += 1
        self._total_elapsed_ms += elapsed_ms
        return TransportError(
            f"{request.method} {_redacted(request.url)}: {what} (after {elapsed_ms:.0f} ms)", kind, elapsed_ms
        )


async def _read_body(raw: aiohttp.ClientResponse, request: HttpRequest) -> tuple[bytes, bool]:
    """Read the body, up to the request's cap: (body, whether it was over the cap and cut short)."""
    limit = request.max_body_bytes
    if limit is None:
        return await raw.read(), False
    declared = raw.content_length
    # A HEAD, 204 or 304 declares the length of a body it does not carry.
    bodiless = request.method.upper() == "HEAD" or raw.status in (204, 304)
    if declared is not None and declared > limit and not bodiless:
        raw.close()  # unread bytes are left on the wire: the connection cannot be reused
        return b"", True
    chunks: list[bytes] = []
    size = 0
    async for chunk in raw.content.iter_any():
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            raw.close()
            return b"".join(chunks)[:limit], True
    return b"".join(chunks), False


def _outgoing(request: HttpRequest) -> tuple[Mapping[str, str], bytes | None]:
    if request.json is None:
        return request.headers, None
    data = orjson.dumps(request.json)
    if any(name.lower() == "content-type" for name in request.headers):
        return request.headers, data
    return {**request.headers, "Content-Type": "application/json"}, data


def _lower_cased(headers: Mapping[str, str]) -> Mapping[str, str]:
    if not headers:
        return _EMPTY_HEADERS
    lowered: dict[str, str] = {}
    for name, value in headers.items():
        key = name.lower()
        # Repeated headers are joined as RFC 9110 allows, so a plain str mapping loses nothing but order.
        lowered[key] = f"{lowered[key]}, {value}" if key in lowered else value
    return MappingProxyType(lowered)


def _redacted(url: str) -> str:
    try:
        return str(URL(url).with_query(None).with_fragment(None).with_user(None))
    except ValueError:
        return "<invalid URL>"
