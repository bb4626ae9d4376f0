"""The web fetcher's shared state in PostgreSQL: its page cache, and one politeness lane per domain.

Politeness: every worker of a cluster takes a domain's send slots from one `web_domain_slots` row, so
the cluster as a whole sends at most one request per interval to a domain, however many workers
fetch from it (per-process lanes would let N workers send N a second). Taking a slot is one atomic
statement; when the database cannot be reached, the worker falls back to its own lane.

The page cache: one fetch serves every worker.

A page fetched by one chunk worker (or by an earlier batch) is read from the `web_pages` table by
every other worker while it is fresh, and revalidated with its ETag / Last-Modified after that (a 304
moves its `fetched_at` for all of them). Each worker process keeps its in-memory cache in front
(`TieredPageCache`): memory first, then PostgreSQL; a put writes both.

Tenancy: the cache is keyed by URL only and shared across tenants on purpose. It holds public web
pages as any anonymous visitor gets them (no cookies, no credentials, no tenant input beyond the URL),
so one tenant's fetch answering another's request reveals nothing but that someone asked for a
public URL within the freshness window.

The cache is an optimisation, never a reason to fail a fetch: a database error on a read is a miss
and on a write is logged and dropped. Blocking database work runs in a thread (`asyncio.to_thread`),
so the worker's event loop keeps carrying its other runs.
"""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from providers.web.fetcher import (
    CachedPage,
    DomainLanes,
    MemoryPageCache,
    TieredPageCache,
    WebClient,
    domain_of,
    process_client,
    use_cache,
    use_lanes,
)
from store.repositories.web_cache import get_page, put_page, take_send_slot

log = logging.getLogger(__name__)


class PostgresPageCache:
    """The `PageCache` of the `web_pages` table, through store/repositories/web_cache.py."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    async def get(self, url: str) -> CachedPage | None:
        """Return the stored copy of url, if any (None when the database cannot be read)."""
        try:
            return await asyncio.to_thread(self._get, url)
        except SQLAlchemyError as exc:
            log.warning("page cache read failed for %s: %s", url[:200], exc)
            return None

    async def put(self, page: CachedPage) -> None:
        """Store page, replacing an older copy of its URL (a failed write is logged, not raised)."""
        try:
            await asyncio.to_thread(self._put, page)
        except (SQLAlchemyError, ValueError) as exc:  # ValueError: e.g. a NUL in the text
            log.warning("page cache write failed for %s: %s", page.url[:200], exc)

    def _get(self, url: str) -> CachedPage | None:
        with self.engine.connect() as conn:
            row = get_page(conn, url=url)
        if row is None:
            return None
        return CachedPage(
            url=row["url"],
            final_url=row["final_url"],
            html=row["html"],
            etag=row["etag"],
            last_modified=row["last_modified"],
            fetched_at=float(row["fetched_at"]),
        )

    def _put(self, page: CachedPage) -> None:
        row = {
            "url": page.url,
            "final_url": page.final_url,
            "html": page.html,
            "etag": page.etag,
            "last_modified": page.last_modified,
            "fetched_at": page.fetched_at,
        }
        with self.engine.begin() as conn:
            put_page(conn, page=row)


class PostgresDomainLanes:
    """At most one request per interval_s per domain across every worker sharing the database."""

    def __init__(self, engine: Engine, interval_s: float = 1.0) -> None:
        self.engine = engine
        self.interval_s = interval_s
        self._fallback = DomainLanes(interval_s)

    async def wait(self, host: str) -> None:
        """Take the domain's next send slot in PostgreSQL and wait for it (else pace on a local lane)."""
        domain = domain_of(host)
        try:
            wait_s = await asyncio.to_thread(self._take, domain)
        except SQLAlchemyError as exc:
            log.warning("shared lane unavailable for %s, pacing locally: %s", domain, exc)
            await self._fallback.wait(host)
            return
        if wait_s > 0:
            await asyncio.sleep(wait_s)

    def _take(self, domain: str) -> float:
        with self.engine.begin() as conn:
            return take_send_slot(conn, domain=domain, interval_s=self.interval_s)


_CONFIGURED: tuple[WebClient, Engine] | None = None


def share_web_state(engine: Engine, *, max_pages: int = 512, interval_s: float = 1.0) -> None:
    """Give this process's web client engine's lanes and page cache (once per client and engine).

    The page cache: `web_pages` behind the worker's memory. The lanes: `web_domain_slots`.
    """
    global _CONFIGURED
    client = process_client()
    if _CONFIGURED is not None and _CONFIGURED[0] is client and _CONFIGURED[1] is engine:
        return
    use_cache(
        TieredPageCache(
            MemoryPageCache(max_pages),
            PostgresPageCache(engine),
            fresh_for_s=client.fresh_for_s,
            clock=client.clock,
        )
    )
    use_lanes(PostgresDomainLanes(engine, interval_s))
    _CONFIGURED = (client, engine)
