"""The careful fetcher against the sandboxed web: robots.txt, target safety, caps, redirects and the cache."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import pytest

from providers.base import Outcome, ProviderResult
from providers.sandbox.web_pages import pricing_truth
from providers.sandbox.world import World
from providers.web.fetcher import DomainLanes, WebClient
from providers.web.safety import TargetGuard, fixed_resolver, guard_from_environment
from tests.support.sandbox import COMPANIES, SEED
from tests.support.web import AsgiWebCaller, priced_companies, sandbox_client


@pytest.fixture(scope="module")
def web_world() -> World:
    return World(seed=SEED, company_count=COMPANIES)


@pytest.fixture
def caller(web_world: World) -> AsgiWebCaller:
    return AsgiWebCaller(web_world)


def _domain(world: World, *, blocked: bool = False, redirected: bool = False) -> str:
    for index in range(world.company_count):
        company = world.company_at(index)
        truth = pricing_truth(world, company)
        if truth is not None and truth.robots_blocked == blocked and truth.redirected == redirected:
            return company.domain
    raise AssertionError("no such company in the world")


async def test_a_page_is_fetched_after_its_robots_txt(caller: AsgiWebCaller, web_world: World) -> None:
    domain = priced_companies(web_world, 1)[0].domain
    fetched = await sandbox_client().fetch(caller.call, f"http://{domain.upper()}/pricing")
    assert fetched.ok and fetched.source == "network" and "pricing" in (fetched.html or "")
    assert [action for action, _, _ in caller.calls] == ["fetch_robots", "fetch_page"]


async def test_robots_txt_is_respected_and_read_once_per_host(
    caller: AsgiWebCaller, web_world: World
) -> None:
    client = sandbox_client()
    domain = _domain(web_world, blocked=True)
    refused = await client.fetch(caller.call, f"https://{domain}/pricing")
    assert not refused.ok and "robots.txt" in (refused.refused or "")
    internal = await client.fetch(caller.call, f"https://{domain}/internal/pricing")
    assert "robots.txt" in (internal.refused or "")
    assert [action for action, _, _ in caller.calls] == ["fetch_robots"]  # no page was requested


async def test_a_redirect_is_followed_and_checked_again(caller: AsgiWebCaller, web_world: World) -> None:
    domain = _domain(web_world, redirected=True)
    fetched = await sandbox_client().fetch(caller.call, f"https://{domain}/old-pricing")
    assert fetched.ok and fetched.final_url == f"https://{domain}/plans"
    assert caller.pages_fetched() == [301, 301, 200]  # /old-pricing → /pricing → /plans


async def test_redirects_stop_at_the_limit(caller: AsgiWebCaller, web_world: World) -> None:
    domain = priced_companies(web_world, 1)[0].domain
    fetched = await sandbox_client(max_redirects=3).fetch(caller.call, f"https://{domain}/loop/0")
    assert not fetched.ok and fetched.refused == "more than 3 redirects"
    assert caller.pages_fetched() == [302, 302, 302, 302]


async def test_oversized_and_non_html_pages_are_refused(caller: AsgiWebCaller, web_world: World) -> None:
    domain = priced_companies(web_world, 1)[0].domain
    client = sandbox_client()
    huge = await client.fetch(caller.call, f"https://{domain}/huge-pricing")
    assert not huge.ok and "byte cap" in (huge.refused or "")
    pdf = await client.fetch(caller.call, f"https://{domain}/pricing.pdf")
    assert not pdf.ok and "application/pdf" in (pdf.refused or "")
    missing = await client.fetch(caller.call, f"https://{domain}/nothing-here")
    assert not missing.ok and missing.refused is None and missing.failed is not None


async def test_within_the_freshness_window_nothing_is_fetched_and_after_it_a_304_costs_no_body(
    caller: AsgiWebCaller, web_world: World
) -> None:
    now = [1_000.0]
    client = sandbox_client(fresh_for_s=3600.0, clock=lambda: now[0])
    url = f"https://{priced_companies(web_world, 1)[0].domain}/pricing"
    first = await client.fetch(caller.call, url)
    now[0] += 3000
    again = await client.fetch(caller.call, url)
    assert again.source == "cache" and again.html == first.html and caller.pages_fetched() == [200]
    now[0] += 1000  # past the window: revalidated with the page's ETag
    later = await client.fetch(caller.call, url)
    assert later.source == "revalidated" and later.html == first.html and later.fetched_at == now[0]
    assert caller.pages_fetched() == [200, 304]
    conditional = caller.calls[-1][1]
    assert conditional["etag"].startswith('"') and conditional["last_modified"]
    assert await client.fetch(caller.call, url) == replace(later, source="cache")


def _resolving(addresses: Sequence[str]) -> TargetGuard:
    async def resolve(_: str) -> Sequence[str]:
        return addresses

    return TargetGuard(allow_loopback=False, resolve=resolve)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/admin",
        "http://10.0.0.8/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://192.168.1.1/",
        "http://0.0.0.0/",
    ],
)
async def test_private_loopback_and_link_local_targets_are_refused_outside_development(
    caller: AsgiWebCaller, url: str
) -> None:
    client = sandbox_client(guard=TargetGuard(allow_loopback=False))
    fetched = await client.fetch(caller.call, url)
    assert not fetched.ok and "unsafe target" in (fetched.refused or "")
    assert caller.calls == []  # nothing was sent, not even robots.txt


async def test_a_public_name_resolving_to_a_private_address_is_refused(caller: AsgiWebCaller) -> None:
    for addresses in (["10.1.2.3"], ["93.184.216.34", "172.16.0.9"], ["fe80::1"]):
        client = sandbox_client(guard=_resolving(addresses))
        fetched = await client.fetch(caller.call, "https://innocent.example/pricing")
        assert "unsafe target" in (fetched.refused or ""), addresses
    assert caller.calls == []


async def test_a_redirect_into_the_network_is_refused(web_world: World) -> None:
    class Redirecting(AsgiWebCaller):
        async def call(self, provider: str, action: str, inputs: Mapping[str, Any]) -> ProviderResult:
            answer = await super().call(provider, action, inputs)
            if action == "fetch_page":  # a public site answering with a redirect inside the network
                return replace(
                    answer, outcome=Outcome.FOUND, data={"status": 302, "redirect": "http://10.0.0.1/"}
                )
            return answer

    caller = Redirecting(web_world)
    guard = TargetGuard(allow_loopback=False, resolve=fixed_resolver("93.184.216.34"))
    domain = priced_companies(web_world, 1)[0].domain
    fetched = await WebClient(lanes=DomainLanes(0.0), guard=guard).fetch(caller.call, f"https://{domain}/p")
    assert "10.0.0.1" in (fetched.refused or "") and caller.pages_fetched() == [404]


async def test_loopback_is_allowed_in_development_only() -> None:
    assert await TargetGuard(allow_loopback=True).check("127.0.0.1") is None
    assert await TargetGuard(allow_loopback=True).check("10.0.0.1") is not None
    assert await TargetGuard(allow_loopback=False).check("localhost") is not None


async def _unresolvable(host: str) -> Sequence[str]:
    raise OSError(f"{host}: Name or service not known")


@pytest.mark.parametrize(
    ("env", "developing"), [("production", False), ("test", True), ("development", True)]
)
async def test_the_process_guard_follows_dex_env(
    monkeypatch: pytest.MonkeyPatch, env: str, developing: bool
) -> None:
    monkeypatch.setenv("DEX_ENV", env)
    monkeypatch.delenv("PROVIDER_SANDBOX_URL", raising=False)
    monkeypatch.delenv("WEB_BASE_URL", raising=False)
    guard_from_environment.cache_clear()
    try:
        guard = guard_from_environment()
        assert guard.allow_loopback is developing and guard.allow_unresolved is developing
        assert (await replace(guard, resolve=_unresolvable).check("nowhere.example") is None) is developing
        assert await guard.check("10.0.0.1") is not None
        monkeypatch.setenv("PROVIDER_SANDBOX_URL", "http://127.0.0.1:9")
        guard_from_environment.cache_clear()
        sandboxed = guard_from_environment()
        assert (await sandboxed.check("acme.com") is None) is developing  # resolved to the sandbox
    finally:
        guard_from_environment.cache_clear()


async def test_one_request_per_second_per_domain_and_other_domains_do_not_wait() -> None:
    lanes = DomainLanes(0.3)
    started = time.monotonic()
    await asyncio.gather(lanes.wait("a.io"), lanes.wait("www.a.io"), lanes.wait("b.io"))
    assert 0.25 < time.monotonic() - started < 0.5  # the second a.io request waited, b.io did not
    assert DomainLanes().interval_s == 1.0
