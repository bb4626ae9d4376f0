"""The page readers through the real call path: gateways, HTTP over loopback, the sandbox server."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from cluster.gateway import GatewayPool
from operations.spec import OperationStatus
from providers.sandbox.server import SandboxServer
from providers.sandbox.web_pages import G2_LAYOUTS, PRICING_LAYOUTS, g2_truth, pricing_truth
from providers.sandbox.world import World
from providers.web import fetcher
from providers.web.fetcher import WebClient
from providers.web.safety import guard_from_environment
from tests.operations.conftest import run_op
from tests.support.web import priced_companies


@pytest.fixture
def sandboxed_process(monkeypatch: pytest.MonkeyPatch, sandbox: SandboxServer) -> Iterator[WebClient]:
    """A fresh process client with a worker's defaults: 1 request/s per domain, the DEX_ENV=test guard."""
    guard_from_environment.cache_clear()
    client = WebClient()
    monkeypatch.setattr(fetcher, "_CLIENT", client)
    yield client
    guard_from_environment.cache_clear()


async def test_pages_read_through_the_gateway_equal_the_world(
    pool: GatewayPool, world: World, sandboxed_process: WebClient
) -> None:
    for layout in PRICING_LAYOUTS:
        company = priced_companies(world, 1, layout)[0]
        truth = pricing_truth(world, company)
        assert truth is not None
        result = await run_op(pool, "company.research.extract_pricing", {"company_domain": company.domain})
        assert result.status is OperationStatus.FOUND, result.error
        assert result.output is not None and result.output["plans"] == [p.facts() for p in truth.plans]
        # A page in prose is read by the model, through its gateway like any provider call.
        last = ("openai", "read_page", 200) if layout == "prose" else ("web", "fetch_page", 200)
        assert [(a.provider, a.action, a.http_status) for a in result.attempts][-1] == last
    for layout in G2_LAYOUTS:
        company = next(c for c in world.companies() if (t := g2_truth(world, c)) and t.layout == layout)
        g2 = g2_truth(world, company)
        assert g2 is not None
        result = await run_op(pool, "company.research.extract_g2", {"g2_url": company.g2_url})
        assert result.status is OperationStatus.FOUND, result.error
        assert result.output is not None
        assert (result.output["rating"], result.output["review_count"]) == (g2.rating, g2.review_count)
        assert result.output["alternatives"] == list(g2.alternatives)
        assert result.output["categories"] == list(g2.categories)


async def test_politeness_and_the_cache_on_the_real_path(
    pool: GatewayPool, world: World, sandboxed_process: WebClient
) -> None:
    company = priced_companies(world, 1)[0]
    url = f"https://{company.domain}/slow-pricing"
    started = time.monotonic()
    first = await run_op(pool, "company.research.extract_pricing", {"pricing_page_url": url})
    # robots.txt, then the page a second later on the same domain, then the page's own 1.5 s.
    assert first.status is OperationStatus.FOUND and time.monotonic() - started >= 2.4
    again = await run_op(pool, "company.research.extract_pricing", {"pricing_page_url": url})
    assert again.status is OperationStatus.FOUND and again.attempts == []  # fresh: nothing sent
    assert again.output is not None and first.output is not None
    assert again.output["plans"] == first.output["plans"]
