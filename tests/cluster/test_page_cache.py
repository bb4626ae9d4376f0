"""The page cache in PostgreSQL behind each worker's memory: one fetch, or one 304, serves every client."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select

from cluster.page_cache import PostgresPageCache, share_web_state
from providers.sandbox.world import World
from providers.web import fetcher
from providers.web.fetcher import CachedPage, MemoryPageCache, TieredPageCache, WebClient
from store.tables import web_pages
from tests.support.web import AsgiWebCaller, priced_companies, sandbox_client


class Clock:
    """A settable clock, shared by the clients of a test."""

    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _page(url: str, fetched_at: float, etag: str = '"v1"') -> CachedPage:
    return CachedPage(url, url + "/final", "<html>ü plans</html>", etag, None, fetched_at)


def _worker_client(engine: Engine, clock: Clock) -> WebClient:
    """A client as a worker process has it: its own memory, PostgreSQL behind it."""
    cache = TieredPageCache(MemoryPageCache(), PostgresPageCache(engine), clock=clock)
    return sandbox_client(cache=cache, clock=clock)


async def test_a_page_round_trips_through_postgres(engine: Engine) -> None:
    cache = PostgresPageCache(engine)
    url = "https://acme.com/pricing"
    assert await cache.get(url) is None
    await cache.put(_page(url, 1_800_000_000.5))
    assert await cache.get(url) == _page(url, 1_800_000_000.5)
    await cache.put(_page(url, 1_800_000_100.0, etag='"v2"'))  # refetched: replaced
    assert await cache.get(url) == _page(url, 1_800_000_100.0, etag='"v2"')


async def test_the_tiered_cache_takes_a_fresh_near_copy_else_the_newer(engine: Engine) -> None:
    clock = Clock()
    url = "https://acme.com/pricing"
    near, far = MemoryPageCache(), PostgresPageCache(engine)
    tiered = TieredPageCache(near, far, fresh_for_s=60, clock=clock)
    await tiered.put(_page(url, clock.now))
    assert await near.get(url) == await far.get(url) == _page(url, clock.now)
    # Another worker revalidated the page; this worker's own copy is fresh, so it is taken.
    await far.put(_page(url, clock.now + 30, etag='"v2"'))
    assert await tiered.get(url) == _page(url, clock.now)
    # Once the near copy is stale, the far one, newer, is taken and kept near.
    clock.now += 61
    assert await tiered.get(url) == _page(url, clock.now - 31, etag='"v2"')
    assert await near.get(url) == _page(url, clock.now - 31, etag='"v2"')
    # A far cache without the page leaves the near copy, stale or not.
    assert await TieredPageCache(MemoryPageCache(), far).get("https://acme.com/none") is None


async def test_a_second_client_sharing_postgres_makes_no_request(engine: Engine, world: World) -> None:
    clock = Clock()
    domain = priced_companies(world, 1)[0].domain
    url = f"https://{domain}/pricing"
    first_caller, second_caller = AsgiWebCaller(world), AsgiWebCaller(world)
    first = await _worker_client(engine, clock).fetch(first_caller.call, url)
    assert first.ok and first.source == "network"
    assert [action for action, _, _ in first_caller.calls] == ["fetch_robots", "fetch_page"]

    # Another worker (its own memory, lanes and robots rules) within the freshness window: no request.
    clock.now += 3600
    second = await _worker_client(engine, clock).fetch(second_caller.call, url)
    assert second.ok and second.source == "cache" and second.html == first.html
    assert second_caller.calls == []

    # A third, after the window: one conditional request, answered 304 without a body, for everyone.
    clock.now += fetcher.FRESH_FOR_S
    third_caller = AsgiWebCaller(world)
    third = await _worker_client(engine, clock).fetch(third_caller.call, url)
    assert third.ok and third.source == "revalidated" and third.html == first.html
    assert third_caller.pages_fetched() == [304]
    conditional = next(inputs for action, inputs, _ in third_caller.calls if action == "fetch_page")
    assert conditional["etag"]
    with engine.connect() as conn:
        stored = conn.execute(select(web_pages.c.fetched_at).where(web_pages.c.url == url)).scalar_one()
    assert stored.timestamp() == clock.now  # the revalidation moved the shared copy on
    fourth_caller = AsgiWebCaller(world)
    assert (await _worker_client(engine, clock).fetch(fourth_caller.call, url)).source == "cache"
    assert fourth_caller.calls == []


def test_the_process_client_is_given_the_postgres_cache_once(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fetcher, "_CLIENT", WebClient())
    share_web_state(engine)
    cache = fetcher.process_client().cache
    assert isinstance(cache, TieredPageCache) and isinstance(cache.far, PostgresPageCache)
    assert cache.far.engine is engine
    share_web_state(engine)  # a later chunk in the same process keeps the same cache
    assert fetcher.process_client().cache is cache


async def test_a_page_postgres_cannot_keep_is_dropped_not_raised(engine: Engine) -> None:
    cache = PostgresPageCache(engine)
    url = "https://acme.com/nul"
    await cache.put(CachedPage(url, url, "<html>\x00</html>", None, None, 1_800_000_000.0))  # text has no NUL
    assert await cache.get(url) is None
