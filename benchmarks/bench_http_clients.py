"""Measure async HTTP clients against a local 50 ms-latency server, to choose the one in providers/http.py."""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import httpx
import uvicorn

from providers.http import HttpClient, HttpRequest

LATENCY_S = 0.05
CONCURRENCIES = (50, 200)
FULL_REQUESTS = 2_000
QUICK_REQUESTS = 400
ROUNDS = 2
# Every batch stops by itself: requests are finite and each has a timeout, and this caps the batch whole.
BATCH_DEADLINE_S = 180.0
REQUEST_TIMEOUT_S = 30.0
SERVER_START_DEADLINE_S = 20.0
REPO_ROOT = Path(__file__).resolve().parent.parent

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


async def echo_app(scope: Scope, receive: Receive, send: Send) -> None:
    """Serve `POST /echo` after LATENCY_S and `GET /health` at once, each with a small JSON body."""
    # A bare ASGI app keeps the server's CPU share small: server and client share the machine's 2 cores.
    if scope["type"] != "http":
        return
    size = 0
    more = True
    while more:
        message = await receive()
        size += len(message.get("body", b""))
        more = message.get("more_body", False)
    if scope["path"] == "/echo":
        await asyncio.sleep(LATENCY_S)
    payload = b'{"ok":true,"received":%d}' % size
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(payload))],
        }
    )
    await send({"type": "http.response.body", "body": payload})


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def echo_server() -> Iterator[str]:
    """Run echo_app under uvicorn in a subprocess on a free loopback port; yield its base URL."""
    port = _free_port()
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "benchmarks.bench_http_clients:echo_app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--lifespan",
        "off",
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    proc = subprocess.Popen(command, cwd=REPO_ROOT, env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + SERVER_START_DEADLINE_S
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"benchmark server exited with code {proc.returncode}")
            try:
                with urllib.request.urlopen(f"{base}/health", timeout=1.0) as reply:
                    if reply.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"benchmark server did not answer within {SERVER_START_DEADLINE_S:g}s")
            time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


# A candidate opens a client for a concurrency and yields a function sending request i, checking for 200.
SendOne = Callable[[int], Awaitable[None]]
Candidate = Callable[[str, int], contextlib.AbstractAsyncContextManager[SendOne]]


@contextlib.asynccontextmanager
async def _httpx_default(base: str, concurrency: int) -> AsyncIterator[SendOne]:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=REQUEST_TIMEOUT_S) as client:

        async def send_one(i: int) -> None:
            reply = await client.post(f"{base}/echo", json={"i": i})
            _check(reply.status_code, reply.content)

        yield send_one


@contextlib.asynccontextmanager
async def _aiohttp(base: str, concurrency: int) -> AsyncIterator[SendOne]:
    connector = aiohttp.TCPConnector(limit=concurrency)
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:

        async def send_one(i: int) -> None:
            async with session.post(f"{base}/echo", json={"i": i}) as reply:
                _check(reply.status, await reply.read())

        yield send_one


@contextlib.asynccontextmanager
async def _httpx_aiohttp(base: str, concurrency: int) -> AsyncIterator[SendOne]:
    # Imported here: httpx-aiohttp is a candidate only, not a dependency of the project.
    from httpx_aiohttp import HttpxAiohttpClient

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with HttpxAiohttpClient(limits=limits, timeout=REQUEST_TIMEOUT_S) as client:

        async def send_one(i: int) -> None:
            reply = await client.post(f"{base}/echo", json={"i": i})
            _check(reply.status_code, reply.content)

        yield send_one


@contextlib.asynccontextmanager
async def _ours(base: str, concurrency: int) -> AsyncIterator[SendOne]:
    async with HttpClient(max_connections=concurrency, default_timeout_s=REQUEST_TIMEOUT_S) as client:

        async def send_one(i: int) -> None:
            reply = await client.send(HttpRequest("POST", f"{base}/echo", json={"i": i}))
            _check(reply.status, reply.body)

        yield send_one


def _check(status: int, body: bytes) -> None:
    if status != 200 or not body:
        raise RuntimeError(f"unexpected reply: status {status}, {len(body)} bytes")


def _candidates() -> dict[str, Candidate]:
    found: dict[str, Candidate] = {
        "httpx (default transport)": _httpx_default,
        "aiohttp.ClientSession": _aiohttp,
    }
    try:
        import httpx_aiohttp  # noqa: F401
    except ImportError:
        print("httpx-aiohttp not installed: skipping the httpx-over-aiohttp candidate", flush=True)
    else:
        found["httpx over aiohttp (httpx-aiohttp)"] = _httpx_aiohttp
    found["providers.http.HttpClient"] = _ours
    return found


async def _drive(send_one: SendOne, first: int, count: int, concurrency: int) -> list[str]:
    """Send `count` requests with exactly `concurrency` in flight; return the failures' descriptions."""
    next_index = first
    end = first + count
    failures: list[str] = []

    async def worker() -> None:
        nonlocal next_index
        while next_index < end:
            i = next_index
            next_index += 1
            # A failed call is counted, not fatal: a client that drops requests under load is a finding.
            try:
                await send_one(i)
            except Exception as exc:
                failures.append(f"{type(exc).__module__}.{type(exc).__qualname__}: {exc}")

    async with asyncio.timeout(BATCH_DEADLINE_S), asyncio.TaskGroup() as group:
        for _ in range(min(concurrency, count)):
            group.create_task(worker())
    return failures


@dataclass
class Row:
    """One candidate's measurement at one concurrency."""

    candidate: str
    concurrency: int
    requests: int
    errors: int
    seconds: float
    cpu_seconds: float

    @property
    def rate(self) -> float:
        """Successful requests per second."""
        return (self.requests - self.errors) / self.seconds

    @property
    def cpu_ms_per_request(self) -> float:
        """Client CPU milliseconds spent per request."""
        return self.cpu_seconds * 1000.0 / self.requests


async def _measure(name: str, candidate: Candidate, base: str, concurrency: int, requests: int) -> Row:
    """Time `requests` calls at `concurrency`, after a warm-up that fills the connection pool."""
    async with candidate(base, concurrency) as send_one:
        await _drive(send_one, 0, concurrency * 2, concurrency)
        # The server is a subprocess, so this process's CPU time is the client's own cost.
        started, cpu_started = time.perf_counter(), time.process_time()
        failures = await _drive(send_one, concurrency * 2, requests, concurrency)
        seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
        row = Row(name, concurrency, requests, len(failures), seconds, cpu_seconds)
    if failures:
        print(f"    {name} c={concurrency}: {len(failures)} failed, first: {failures[0]}", flush=True)
    return row


async def _run_all(base: str, requests: int) -> list[Row]:
    candidates = _candidates()
    best: dict[tuple[str, int], Row] = {}
    for round_no in range(ROUNDS):
        # Alternate the order each round so no candidate always runs first or last on a noisy machine.
        order = list(candidates.items())
        if round_no % 2:
            order.reverse()
        for concurrency in CONCURRENCIES:
            for name, candidate in order:
                row = await _measure(name, candidate, base, concurrency, requests)
                print(
                    f"  round {round_no + 1}: {name:<38} c={concurrency:<4} {row.rate:8.0f} req/s", flush=True
                )
                kept = best.get((name, concurrency))
                if kept is None or row.rate > kept.rate:
                    best[(name, concurrency)] = row
    return [best[(name, c)] for c in CONCURRENCIES for name in candidates]


def _print_table(rows: list[Row]) -> None:
    header = (
        f"{'candidate':<38} {'conc':>5} {'requests':>9} {'errors':>7} {'seconds':>8} {'req/s':>8} "
        f"{'vs fastest':>10} {'client CPU ms/req':>17}"
    )
    print(header)
    print("-" * len(header))
    for concurrency in CONCURRENCIES:
        group = [row for row in rows if row.concurrency == concurrency]
        fastest = max(row.rate for row in group)
        for row in group:
            print(
                f"{row.candidate:<38} {row.concurrency:>5} {row.requests:>9} {row.errors:>7} "
                f"{row.seconds:>8.2f} {row.rate:>8.0f} {row.rate / fastest:>10.2f} "
                f"{row.cpu_ms_per_request:>17.2f}"
            )
        print(
            f"{'(ceiling: concurrency / latency)':<38} {concurrency:>5} {'':>9} {'':>7} {'':>8} "
            f"{concurrency / LATENCY_S:>8.0f}"
        )


def run(quick: bool) -> None:
    """Measure each candidate's req/s at each concurrency against a local server and print the table."""
    requests = QUICK_REQUESTS if quick else FULL_REQUESTS
    print(
        f"POST /echo, server latency {LATENCY_S * 1000:.0f} ms, {requests} requests per measurement, "
        f"best of {ROUNDS} interleaved rounds, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, "
        f"aiohttp {aiohttp.__version__}, httpx {httpx.__version__}, server uvicorn {uvicorn.__version__} "
        f"({'httptools' if importlib.util.find_spec('httptools') else 'h11'})",
        flush=True,
    )
    with echo_server() as base:
        rows = asyncio.run(_run_all(base, requests))
    print()
    _print_table(rows)
