"""providers.http's body cap against real servers on loopback: it stops reading, not reads and refuses."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from providers.http import HttpClient, HttpRequest
from tests.support.loopback import serve

CHUNK = 64 * 1024
CAP = 256 * 1024
_sent: dict[str, int] = {}


async def _endless(request: Request) -> Response:
    """64 KiB chunks for as long as the client reads (at most 64 MiB), counting what was sent."""
    key = request.query_params["key"]
    _sent[key] = 0

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(1024):
            _sent[key] += 1
            yield b"x" * CHUNK
            await asyncio.sleep(0.005)

    return StreamingResponse(chunks(), media_type="text/html")


async def _sized(request: Request) -> Response:
    return Response(b"y" * int(request.query_params["n"]), media_type="text/html")


async def _not_modified(_: Request) -> Response:
    # A 304 may declare the length of the body it does not carry.
    return Response(status_code=304, headers={"Content-Length": str(10 * CAP)})


APP = Starlette(
    routes=[Route("/endless", _endless), Route("/sized", _sized), Route("/not-modified", _not_modified)]
)


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    """Serve APP on a free loopback port for the module."""
    with serve(APP) as url:
        yield url


async def test_a_body_growing_past_the_cap_is_cut_off_there(base_url: str) -> None:
    async with HttpClient() as client:
        request = HttpRequest("GET", f"{base_url}/endless?key=capped", max_body_bytes=CAP, timeout_s=20)
        response = await client.send(request)
        assert (response.status, response.truncated, len(response.body)) == (200, True, CAP)
    await asyncio.sleep(0.3)  # the server notices the closed connection and stops sending
    assert _sent["capped"] < 16  # 1 MiB at most of the 64 MiB the server would send


@pytest.mark.parametrize("size", [0, CAP - 1, CAP])
async def test_a_body_within_the_cap_is_read_whole(base_url: str, size: int) -> None:
    async with HttpClient() as client:
        response = await client.send(HttpRequest("GET", f"{base_url}/sized?n={size}", max_body_bytes=CAP))
        assert (response.truncated, response.body) == (False, b"y" * size)
        # Without a cap, as before: everything is read.
        big = await client.send(HttpRequest("GET", f"{base_url}/sized?n={3 * CAP}"))
        assert (big.truncated, len(big.body)) == (False, 3 * CAP)


async def test_a_declared_length_over_the_cap_stops_before_the_body() -> None:
    """A raw server declares 100 MB and then stalls: the client answers at once, having read no body."""
    sent_body = asyncio.Event()

    async def declare_and_stall(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 100000000\r\n\r\n")
        writer.write(b"z" * 1024)
        await writer.drain()
        await asyncio.sleep(5)  # the rest never comes within the test
        sent_body.set()
        writer.close()

    server = await asyncio.start_server(declare_and_stall, "127.0.0.1", 0)
    url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/page"
    async with server, HttpClient() as client:
        started = time.monotonic()
        response = await client.send(HttpRequest("GET", url, max_body_bytes=CAP, timeout_s=4))
        assert time.monotonic() - started < 1.0  # not the 4 s deadline: nothing waited on the body
        assert (response.status, response.truncated, response.body) == (200, True, b"")
        assert response.headers["content-length"] == "100000000"
        assert not sent_body.is_set()
        server.close()


async def test_a_bodiless_answer_declaring_a_length_is_not_truncated(base_url: str) -> None:
    async with HttpClient() as client:
        response = await client.send(HttpRequest("GET", f"{base_url}/not-modified", max_body_bytes=CAP))
        assert (response.status, response.truncated, response.body) == (304, False, b"")


async def test_the_connection_of_a_cut_off_body_is_not_reused(base_url: str) -> None:
    async with HttpClient(max_connections=1) as client:
        cut = await client.send(HttpRequest("GET", f"{base_url}/endless?key=reuse", max_body_bytes=CAP))
        assert cut.truncated
        # The next request on a one-connection pool gets a clean answer, not the rest of the last body.
        after = await client.send(HttpRequest("GET", f"{base_url}/sized?n=10", max_body_bytes=CAP))
        assert (after.status, after.body, after.truncated) == (200, b"y" * 10, False)


async def test_a_negative_cap_is_a_caller_error(base_url: str) -> None:
    async with HttpClient() as client:
        with pytest.raises(ValueError, match="max_body_bytes"):
            await client.send(HttpRequest("GET", f"{base_url}/sized?n=1", max_body_bytes=-1))
