"""providers.http against a real uvicorn server (and raw TCP servers for broken peers) on loopback."""

from __future__ import annotations

import asyncio
import gzip
import pickle
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

from providers.http import HttpClient, HttpRequest, MalformedBody, TransportError
from tests.support.loopback import serve

BINARY = b"\xff\xfe raw \x00 bytes"
GZIPPED_JSON = gzip.compress(b'{"compressed": true}')


async def _json(_: Request) -> Response:
    return JSONResponse({"hello": "world", "n": 1}, headers={"X-Custom-Header": "Value"})


async def _text(_: Request) -> Response:
    return PlainTextResponse("certainly not json")


async def _empty(_: Request) -> Response:
    return Response(status_code=200)


async def _no_content(_: Request) -> Response:
    return Response(status_code=204)


async def _bytes(_: Request) -> Response:
    return Response(BINARY, media_type="application/octet-stream")


async def _truncated_json(_: Request) -> Response:
    return Response(b'{"a": [1, 2', media_type="application/json")


async def _ratelimited(_: Request) -> Response:
    return JSONResponse({"error": "slow down"}, status_code=429, headers={"Retry-After": "7"})


async def _error(_: Request) -> Response:
    return PlainTextResponse("boom", status_code=500)


async def _slow(request: Request) -> Response:
    # Capped so a test can never make the server sleep long.
    await asyncio.sleep(min(float(request.query_params.get("s", "1")), 5.0))
    return JSONResponse({"slept": True})


async def _stall_body(_: Request) -> Response:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"part": '
        await asyncio.sleep(3)
        yield b"1}"

    return StreamingResponse(chunks(), media_type="application/json")


async def _redirect(_: Request) -> Response:
    return RedirectResponse("/json", status_code=302)


async def _repeated_header(_: Request) -> Response:
    response = Response(b"ok")
    response.raw_headers.extend([(b"x-multi", b"a"), (b"x-multi", b"b")])
    return response


async def _gzip(_: Request) -> Response:
    return Response(GZIPPED_JSON, headers={"Content-Encoding": "gzip", "Content-Type": "application/json"})


async def _echo(request: Request) -> Response:
    raw = await request.body()
    return JSONResponse(
        {
            "method": request.method,
            "query": dict(request.query_params.multi_items()),
            "headers": dict(request.headers),
            "json": await request.json() if raw else None,
        }
    )


APP = Starlette(
    routes=[
        Route("/json", _json),
        Route("/text", _text),
        Route("/empty", _empty),
        Route("/no-content", _no_content, methods=["DELETE"]),
        Route("/bytes", _bytes),
        Route("/truncated-json", _truncated_json),
        Route("/ratelimited", _ratelimited),
        Route("/error", _error),
        Route("/slow", _slow),
        Route("/stall-body", _stall_body),
        Route("/redirect", _redirect),
        Route("/repeated-header", _repeated_header),
        Route("/gzip", _gzip),
        Route("/echo", _echo, methods=["GET", "POST", "PUT", "PATCH", "DELETE"]),
    ]
)


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    """Serve APP on a free loopback port for the module."""
    with serve(APP) as url:
        yield url


def _closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


async def _raw_server(handler: Handler) -> tuple[asyncio.Server, str]:
    server = await asyncio.start_server(handler, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    return server, f"http://127.0.0.1:{port}"


async def test_json_round_trip_echoes_method_params_headers_and_body(base_url: str) -> None:
    async with HttpClient() as client:
        response = await client.send(
            HttpRequest(
                "POST",
                f"{base_url}/echo",
                headers={"X-Api-Key": "k-123"},
                params={"q": "acme & co", "page": "2"},
                json={"name": "Acme", "ids": [1, 2], "nested": {"ok": True}},
            )
        )
        assert response.status == 200
        echoed = response.json()
        assert echoed["method"] == "POST"
        assert echoed["query"] == {"q": "acme & co", "page": "2"}
        assert echoed["headers"]["x-api-key"] == "k-123"
        assert echoed["headers"]["content-type"] == "application/json"
        assert echoed["headers"]["user-agent"] == "data-engine-x/0.1"
        assert echoed["json"] == {"name": "Acme", "ids": [1, 2], "nested": {"ok": True}}
        assert response.elapsed_ms > 0


@pytest.mark.parametrize("method", ["GET", "PUT", "PATCH", "DELETE"])
async def test_other_methods_are_sent_as_given(base_url: str, method: str) -> None:
    async with HttpClient() as client:
        echoed = (await client.send(HttpRequest(method, f"{base_url}/echo"))).json()
        assert (echoed["method"], echoed["query"], echoed["json"]) == (method, {}, None)


async def test_params_extend_a_query_already_in_the_url(base_url: str) -> None:
    async with HttpClient() as client:
        response = await client.send(HttpRequest("GET", f"{base_url}/echo?a=1", params={"b": "2"}))
        assert response.json()["query"] == {"a": "1", "b": "2"}


async def test_caller_headers_override_defaults(base_url: str) -> None:
    async with HttpClient() as client:
        response = await client.send(
            HttpRequest(
                "POST",
                f"{base_url}/echo",
                headers={"User-Agent": "custom/1", "Content-Type": "application/vnd.api+json"},
                json={"a": 1},
            )
        )
        headers = response.json()["headers"]
        assert headers["user-agent"] == "custom/1"
        assert headers["content-type"] == "application/vnd.api+json"


async def test_response_header_names_are_lower_cased(base_url: str) -> None:
    async with HttpClient() as client:
        response = await client.send(HttpRequest("GET", f"{base_url}/json"))
        assert response.headers["x-custom-header"] == "Value"
        assert response.headers["content-type"] == "application/json"
        assert all(name == name.lower() for name in response.headers)


async def test_repeated_response_headers_are_joined(base_url: str) -> None:
    async with HttpClient() as client:
        response = await client.send(HttpRequest("GET", f"{base_url}/repeated-header"))
        assert response.headers["x-multi"] == "a, b"


async def test_raw_body_is_captured_byte_for_byte(base_url: str) -> None:
    async with HttpClient() as client:
        response = await client.send(HttpRequest("GET", f"{base_url}/bytes"))
        assert response.body == BINARY
        assert response.text == BINARY.decode("utf-8", errors="replace")


async def test_gzip_body_is_decompressed(base_url: str) -> None:
    async with HttpClient() as client:
        response = await client.send(HttpRequest("GET", f"{base_url}/gzip"))
        assert response.json() == {"compressed": True}


@pytest.mark.parametrize(
    ("path", "status", "body"), [("/text", 200, b"certainly not json"), ("/empty", 200, b"")]
)
async def test_non_json_or_empty_body_is_returned_and_only_json_raises(
    base_url: str, path: str, status: int, body: bytes
) -> None:
    async with HttpClient() as client:
        response = await client.send(HttpRequest("GET", f"{base_url}{path}"))
        assert (response.status, response.body) == (status, body)
        with pytest.raises(MalformedBody) as caught:
            response.json()
        assert isinstance(caught.value, ValueError)


async def test_truncated_json_raises_malformed_body(base_url: str) -> None:
    async with HttpClient() as client:
        response = await client.send(HttpRequest("GET", f"{base_url}/truncated-json"))
        with pytest.raises(MalformedBody, match="not JSON"):
            response.json()


async def test_no_content_is_a_response(base_url: str) -> None:
    async with HttpClient() as client:
        response = await client.send(HttpRequest("DELETE", f"{base_url}/no-content"))
        assert (response.status, response.body) == (204, b"")


async def test_429_is_returned_with_retry_after(base_url: str) -> None:
    async with HttpClient() as client:
        response = await client.send(HttpRequest("GET", f"{base_url}/ratelimited"))
        assert response.status == 429
        assert response.headers["retry-after"] == "7"
        assert response.json() == {"error": "slow down"}


async def test_500_is_returned_not_raised(base_url: str) -> None:
    async with HttpClient() as client:
        response = await client.send(HttpRequest("GET", f"{base_url}/error"))
        assert (response.status, response.text) == (500, "boom")


async def test_redirect_is_not_followed(base_url: str) -> None:
    async with HttpClient() as client:
        response = await client.send(HttpRequest("GET", f"{base_url}/redirect"))
        assert response.status == 302
        assert response.headers["location"] == "/json"


async def test_slow_response_times_out_near_the_deadline(base_url: str) -> None:
    async with HttpClient() as client:
        with pytest.raises(TransportError) as caught:
            await client.send(HttpRequest("GET", f"{base_url}/slow?s=3&api_key=SECRET", timeout_s=0.3))
        error = caught.value
        assert error.kind == "timeout"
        assert 290 <= error.elapsed_ms < 1500
        assert "SECRET" not in str(error)
        assert "/slow" in str(error)


async def test_deadline_covers_reading_the_body(base_url: str) -> None:
    async with HttpClient() as client:
        with pytest.raises(TransportError) as caught:
            await client.send(HttpRequest("GET", f"{base_url}/stall-body", timeout_s=0.5))
        assert caught.value.kind == "timeout"
        assert 490 <= caught.value.elapsed_ms < 2000


async def test_client_default_timeout_applies(base_url: str) -> None:
    async with HttpClient(default_timeout_s=0.3) as http:
        with pytest.raises(TransportError) as caught:
            await http.send(HttpRequest("GET", f"{base_url}/slow?s=3"))
        assert caught.value.kind == "timeout"
        # The per-call timeout overrides the default.
        assert (await http.send(HttpRequest("GET", f"{base_url}/slow?s=0.5", timeout_s=5))).status == 200


async def test_closed_port_is_a_connect_error() -> None:
    async with HttpClient() as client:
        with pytest.raises(TransportError) as caught:
            await client.send(HttpRequest("GET", f"http://127.0.0.1:{_closed_port()}/x"))
        assert caught.value.kind == "connect"
        assert caught.value.elapsed_ms >= 0


async def _hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await reader.readuntil(b"\r\n\r\n")
    writer.close()


async def _garbage(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await reader.readuntil(b"\r\n\r\n")
    writer.write(b"SMTP ready, not HTTP\r\n\r\n")
    await writer.drain()
    writer.close()


@pytest.mark.parametrize(("handler", "method"), [(_hang_up, "POST"), (_hang_up, "GET"), (_garbage, "GET")])
async def test_broken_peer_is_a_protocol_error_and_is_not_resent(handler: Handler, method: str) -> None:
    requests_seen = 0

    async def counting(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal requests_seen
        requests_seen += 1
        await handler(reader, writer)

    server, url = await _raw_server(counting)
    async with server, HttpClient() as client:
        with pytest.raises(TransportError) as caught:
            await client.send(HttpRequest(method, f"{url}/x", json={"a": 1}, timeout_s=5))
    assert caught.value.kind == "protocol"
    # aiohttp alone would resend the GET once on a fresh connection.
    assert requests_seen == 1


async def test_invalid_url_raises_a_plain_value_error() -> None:
    async with HttpClient() as client:
        with pytest.raises(ValueError) as caught:
            await client.send(HttpRequest("GET", "not-a-url"))
        assert not type(caught.value).__module__.startswith("aiohttp")
        assert client.stats.requests == 0


async def test_200_concurrent_requests_share_one_client(base_url: str) -> None:
    async with HttpClient(max_connections=50) as http:
        responses = await asyncio.gather(
            *(http.send(HttpRequest("GET", f"{base_url}/slow", params={"s": "0.05"})) for _ in range(200))
        )
        assert [r.status for r in responses] == [200] * 200
        assert http.stats.requests == http.stats.responses == 200


async def test_stats_count_requests_errors_and_elapsed(base_url: str) -> None:
    async with HttpClient() as http:
        await http.send(HttpRequest("GET", f"{base_url}/json"))
        await http.send(HttpRequest("GET", f"{base_url}/error"))
        for request in (
            HttpRequest("GET", f"{base_url}/slow?s=2", timeout_s=0.2),
            HttpRequest("GET", f"http://127.0.0.1:{_closed_port()}/"),
        ):
            with pytest.raises(TransportError):
                await http.send(request)
        stats = http.stats
    assert (stats.requests, stats.responses) == (4, 2)
    assert dict(stats.errors) == {"timeout": 1, "connect": 1, "protocol": 0}
    assert stats.total_elapsed_ms >= 200


def test_client_is_created_without_an_event_loop() -> None:
    HttpClient()


async def test_client_opens_lazily_and_refuses_use_after_close(base_url: str) -> None:
    http = HttpClient()
    assert (await http.send(HttpRequest("GET", f"{base_url}/json"))).status == 200
    await http.close()
    with pytest.raises(RuntimeError, match="closed"):
        await http.send(HttpRequest("GET", f"{base_url}/json"))


def test_transport_error_survives_pickling() -> None:
    error = pickle.loads(pickle.dumps(TransportError("GET http://x/: refused", "connect", 1.5)))
    assert (str(error), error.kind, error.elapsed_ms) == ("GET http://x/: refused", "connect", 1.5)
