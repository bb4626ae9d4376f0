"""One politeness lane per domain for a whole cluster: workers take each domain's send slots in PostgreSQL."""

from __future__ import annotations

import asyncio
import itertools
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import Engine, create_engine

from cluster.page_cache import PostgresDomainLanes, share_web_state
from providers.web import fetcher
from providers.web.fetcher import WebClient
from store.repositories.web_cache import take_send_slot

INTERVAL_S = 30.0  # long, so that the waits the database hands out cannot be confused with elapsed time


def _take(engine: Engine, domain: str) -> float:
    with engine.begin() as conn:
        return take_send_slot(conn, domain=domain, interval_s=INTERVAL_S)


def test_each_slot_of_a_domain_comes_one_interval_after_the_last(engine: Engine) -> None:
    waits = [_take(engine, "acme.com") for _ in range(3)]
    assert waits[0] == 0.0
    assert INTERVAL_S - 5 < waits[1] <= INTERVAL_S
    assert 2 * INTERVAL_S - 5 < waits[2] <= 2 * INTERVAL_S
    assert _take(engine, "globex.com") == 0.0  # another domain has its own lane


def test_workers_asking_at_once_get_distinct_slots(engine: Engine) -> None:
    # Eight workers (threads with their own connections) take a slot of one domain at the same moment:
    # the row's lock orders them, so each gets its own interval, none the same.
    with ThreadPoolExecutor(8) as pool:
        waits = sorted(pool.map(lambda _: _take(engine, "initech.com"), range(8)))
    assert waits[0] == 0.0
    gaps = [later - earlier for earlier, later in itertools.pairwise(waits)]
    assert all(INTERVAL_S - 5 < gap <= INTERVAL_S + 5 for gap in gaps), waits


async def test_two_workers_lanes_pace_one_domain_together(engine: Engine) -> None:
    first, second = PostgresDomainLanes(engine, 0.25), PostgresDomainLanes(engine, 0.25)
    loop = asyncio.get_running_loop()
    started = loop.time()
    for lanes in (first, second, first, second):
        await lanes.wait("www.umbrella.com")  # `www.` and the port are the same domain
    await second.wait("umbrella.com:443")
    # Five requests from two workers: four intervals between them, as from one worker.
    assert loop.time() - started >= 4 * 0.25 - 0.05


async def test_without_the_database_a_worker_paces_on_its_own_lane() -> None:
    unreachable = create_engine("postgresql+psycopg://postgres@127.0.0.1:1/none", pool_pre_ping=False)
    lanes = PostgresDomainLanes(unreachable, 0.2)
    loop = asyncio.get_running_loop()
    started = loop.time()
    await lanes.wait("hooli.com")
    await lanes.wait("hooli.com")
    assert loop.time() - started >= 0.2 - 0.02  # still polite, never raised
    unreachable.dispose()


def test_the_process_client_is_given_the_shared_lanes(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fetcher, "_CLIENT", WebClient())
    share_web_state(engine)
    lanes = fetcher.process_client().lanes
    assert isinstance(lanes, PostgresDomainLanes) and lanes.engine is engine and lanes.interval_s == 1.0
