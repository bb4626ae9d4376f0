"""The sandboxed web in process: a caller that sends the web lane's requests (and the models' page
reading) to the sandbox app over ASGI."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from providers.base import Action, Credentials, Outcome, ProviderResult, RequestSpec
from providers.http import HttpResponse
from providers.registry import get_provider
from providers.sandbox.app import DEFAULT_SANDBOX_KEY, create_sandbox_app
from providers.sandbox.routes.gemini import GeminiSandbox
from providers.sandbox.routes.openai import OpenAISandbox
from providers.sandbox.routes.web import WebSandbox
from providers.sandbox.web_pages import pricing_truth
from providers.sandbox.world import World
from providers.web.fetcher import DomainLanes, MemoryPageCache, WebClient
from providers.web.safety import TargetGuard, fixed_resolver


@dataclass
class AsgiWebCaller:
    """Run web and model actions against the sandbox app in this process (no server, no gateway).

    `keyed` names the models that have a key (both by default); a model without one is skipped, as
    the gateway skips it. Every call is logged, skipped ones included.
    """

    world: World
    keyed: tuple[str, ...] = ("openai", "gemini")
    calls: list[tuple[str, Mapping[str, Any], ProviderResult]] = field(default_factory=list)

    def __post_init__(self) -> None:
        app = create_sandbox_app(
            self.world, {"web": WebSandbox, "openai": OpenAISandbox, "gemini": GeminiSandbox}
        )
        self.http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://sandbox")

    async def call(self, provider: str, action: str, inputs: Mapping[str, Any]) -> ProviderResult:
        """Build, send and parse one action, as the gateway would."""
        spec = get_provider(provider).actions[action]
        assert isinstance(spec, Action)
        key = DEFAULT_SANDBOX_KEY if provider in self.keyed else None
        request = spec.build(inputs, Credentials(key))
        if not isinstance(request, RequestSpec):
            answer = ProviderResult(provider=provider, action=action, outcome=Outcome.SKIPPED)
            self.calls.append((action, dict(inputs), answer))
            return answer
        sent = await self.http.request(
            request.method,
            f"/{provider}{request.path}",
            headers=dict(request.headers),
            params=request.params,
            json=request.json,
        )
        headers = {k.lower(): v for k, v in sent.headers.items()}
        answer = spec.parse(HttpResponse(sent.status_code, headers, sent.content, 1.0))
        self.calls.append((action, dict(inputs), answer))
        return answer

    def asked(self) -> list[tuple[str, list[str]]]:
        """Return (provider, fields) of each model call that was sent, in order."""
        return [
            (answer.provider, list(inputs["fields"]))
            for action, inputs, answer in self.calls
            if action == "read_page" and answer.outcome is not Outcome.SKIPPED
        ]

    def pages_fetched(self) -> list[int | None]:
        """Return the HTTP status of each page request made, in order."""
        return [answer.http_status for action, _, answer in self.calls if action == "fetch_page"]


def sandbox_client(**overrides: Any) -> WebClient:
    """A web client for the sandboxed web: no politeness wait, every host on loopback, its own cache."""
    values: dict[str, Any] = {
        "cache": MemoryPageCache(),
        "lanes": DomainLanes(0.0),
        "guard": TargetGuard(allow_loopback=True, resolve=fixed_resolver("127.0.0.1")),
    }
    return WebClient(**{**values, **overrides})


def priced_companies(world: World, count: int, layout: str | None = None) -> list[Any]:
    """Return the first companies with a readable pricing page (in layout, when given)."""
    found = []
    for index in range(world.company_count):
        company = world.company_at(index)
        truth = pricing_truth(world, company)
        if truth is None or truth.robots_blocked or (layout is not None and truth.layout != layout):
            continue
        found.append(company)
        if len(found) == count:
            break
    return found
