"""The sandbox app: every provider's API under `/<provider>/…`, behind one gate of knobs, plus controls.

Each provider's routes live in `providers/sandbox/routes/<provider>.py` as a `SandboxProvider`
subclass. The gate in front of each applies, in order: counting, the rate limit (429 with
Retry-After, in the provider's own words), the provider's auth check, credit exhaustion, injected
faults (5xx, hangs), the latency draw, then the handler, and finally a possibly broken body. A
provider's balance endpoints (`balance_paths`) skip the credit gate, since they answer the balance
(zero when out of credits), and count as `balance_checks`, not `requests`: they are free, and
`requests` is what tests hold against the attempts the engine recorded.
Control endpoints: `GET /_sandbox/stats`, `POST /_sandbox/knobs`, `POST /_sandbox/reset`,
`GET /_sandbox/health`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route, Router
from starlette.types import Message, Receive, Scope, Send

from providers.sandbox.knobs import KnobsUpdate, ProviderKnobs, ProviderState
from providers.sandbox.world import World

DEFAULT_SANDBOX_KEY = "sandbox-key"


class SandboxProvider:
    """One provider's sandboxed API. Subclasses set `name`, define `routes`, and override the quirks."""

    name: ClassVar[str] = ""
    balance_paths: ClassVar[frozenset[str]] = frozenset()  # free balance endpoints, e.g. "/v1/credits"

    def __init__(self, world: World, state: ProviderState, api_key: str) -> None:
        self.world = world
        self.state = state
        self.api_key = api_key

    def routes(self) -> list[BaseRoute]:
        """Return the provider's routes, relative to `/<name>`."""
        raise NotImplementedError

    async def authorized(self, request: Request) -> bool:
        """Tell whether the request carries the right key, where this provider expects it."""
        raise NotImplementedError

    def unauthorized(self, request: Request) -> Response:
        """Answer a bad or missing key as this provider does."""
        return JSONResponse({"error": "invalid api key"}, status_code=401)

    def rate_limited(self, retry_after: int) -> Response:
        """Answer an over-limit request as this provider does (a 429 carrying Retry-After)."""
        return JSONResponse(
            {"error": "rate limit exceeded"}, status_code=429, headers={"Retry-After": str(retry_after)}
        )

    def server_error(self) -> Response:
        """Answer an injected server fault as this provider does."""
        return JSONResponse({"error": "internal server error"}, status_code=500)

    def no_credits(self) -> Response:
        """Answer when the account's credits are exhausted, as this provider does."""
        return JSONResponse({"error": "insufficient credits"}, status_code=402)

    def charge(self, credits: float) -> None:
        """Spend credits for a billable answer."""
        self.state.charge(credits)

    def credits_left(self, notional: float) -> float:
        """Return the credits left: the `credits` knob when set, else `notional` less what was spent."""
        return self.state.balance(notional)


def _broken(response: Response) -> Response:
    body = bytes(response.body)
    cut = body[: max(1, len(body) // 2)] if body else b"{"
    headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
    return Response(cut, status_code=response.status_code, headers=headers)


class ProviderGate:
    """ASGI app in front of one provider's router: applies its knobs and records its stats."""

    def __init__(self, provider: SandboxProvider) -> None:
        self.provider = provider
        self.router = Router(routes=provider.routes())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.router(scope, receive, send)
            return
        body = await _read_body(receive)

        def replay() -> Receive:
            sent = False

            async def once() -> Message:
                nonlocal sent
                if sent:
                    return {"type": "http.disconnect"}
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}

            return once

        response, fault = await self._gate(scope, replay)
        state = self.provider.state
        if response is not None:
            await response(scope, replay(), send)
        elif fault == "malformed":
            await self._send_broken(scope, replay(), send)
        else:
            state.stats.served += 1
            await self.router(scope, replay(), send)

    async def _gate(self, scope: Scope, replay: Callable[[], Receive]) -> tuple[Response | None, str | None]:
        provider, state = self.provider, self.provider.state
        path = scope.get("path", "")
        own_path = path.removeprefix(f"/{provider.name}")
        balance_check = own_path in provider.balance_paths
        if balance_check:
            state.stats.balance_checks += 1
        else:
            state.stats.count_request(path)
        retry_after = state.throttle(own_path)
        if retry_after is not None:
            state.stats.rate_limited += 1
            return provider.rate_limited(retry_after), None
        if not await provider.authorized(Request(scope, replay())):
            state.stats.unauthorized += 1
            return provider.unauthorized(Request(scope, replay())), None
        if state.out_of_credits and not balance_check:
            state.stats.no_credits += 1
            return provider.no_credits(), None
        knobs = state.knobs
        fault = state.fault() if knobs.error_rate or knobs.timeout_rate or knobs.malformed_rate else None
        if fault is not None:
            state.stats.injected[fault] += 1
        if fault == "server_error":
            error = provider.server_error()
            if knobs.error_retry_after_s is not None:
                error.headers["Retry-After"] = str(knobs.error_retry_after_s)
            return error, None
        if fault == "timeout":
            await asyncio.sleep(knobs.timeout_s)
            return provider.server_error(), None
        delay = state.latency_s()
        if delay:
            await asyncio.sleep(delay)
        return None, fault

    async def _send_broken(self, scope: Scope, receive: Receive, send: Send) -> None:
        captured: dict[str, Any] = {"status": 200, "headers": [], "body": b""}

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                captured["status"], captured["headers"] = message["status"], message.get("headers", [])
            elif message["type"] == "http.response.body":
                captured["body"] += message.get("body", b"")

        await self.router(scope, receive, capture)
        headers = {k.decode(): v.decode() for k, v in captured["headers"]}
        original = Response(captured["body"], status_code=captured["status"], headers=headers)
        await _broken(original)(scope, receive, send)


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def create_sandbox_app(
    world: World,
    providers: Mapping[str, type[SandboxProvider]],
    *,
    knobs: Mapping[str, ProviderKnobs] | None = None,
    api_key: str = DEFAULT_SANDBOX_KEY,
    seed: int = 7,
) -> Starlette:
    """Build the sandbox: each provider class mounted at `/<name>` behind its gate, plus the controls."""
    knobs = knobs or {}
    states: dict[str, ProviderState] = {}
    mounts: list[BaseRoute] = []
    for index, (name, cls) in enumerate(sorted(providers.items())):
        state = ProviderState(knobs.get(name, ProviderKnobs()), seed=seed * 1000 + index)
        states[name] = state
        mounts.append(Mount(f"/{name}", app=ProviderGate(cls(world, state, api_key))))

    async def stats(_: Request) -> JSONResponse:
        return JSONResponse({name: state.stats.as_dict() for name, state in states.items()})

    async def get_knobs(_: Request) -> JSONResponse:
        return JSONResponse({name: state.knobs.model_dump() for name, state in states.items()})

    async def set_knobs(request: Request) -> JSONResponse:
        try:
            body = await request.json()
            if not isinstance(body, dict):
                raise ValueError("body must be an object of provider -> knobs")
            unknown = sorted(set(body) - set(states))
            if unknown:
                raise ValueError(f"unknown provider(s): {', '.join(unknown)}")
            updates = {name: KnobsUpdate.model_validate(change) for name, change in body.items()}
        except (ValueError, ValidationError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=422)
        for name, update in updates.items():
            states[name].configure(update.apply(states[name].knobs))
        return await get_knobs(request)

    async def reset(_: Request) -> JSONResponse:
        for state in states.values():
            state.stats = type(state.stats)()
            state.configure(state.knobs)
        return JSONResponse({"reset": sorted(states)})

    async def health(_: Request) -> JSONResponse:
        return JSONResponse({"status": "ok", "providers": sorted(states), "companies": world.company_count})

    controls = [
        Route("/_sandbox/stats", stats, methods=["GET"]),
        Route("/_sandbox/knobs", get_knobs, methods=["GET"]),
        Route("/_sandbox/knobs", set_knobs, methods=["POST"]),
        Route("/_sandbox/reset", reset, methods=["POST"]),
        Route("/_sandbox/health", health, methods=["GET"]),
    ]
    return Starlette(routes=[*controls, *mounts])
