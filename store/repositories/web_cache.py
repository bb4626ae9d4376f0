"""The web lane's shared state in PostgreSQL: the page cache, and each domain's next send time.

A page is kept by the URL asked for, replaced as it is refetched. Shared by every worker and durable
across restarts, unlike the fetcher's in-process cache. A domain's slot row is what keeps one
politeness lane for the whole cluster: taking a slot is one atomic statement (the row's lock orders
workers asking at once), timed by the database's clock, so workers' clocks need not agree. The
rows are plain dicts with the fetcher's `CachedPage` fields (`fetched_at` as epoch seconds), since
store imports nothing of providers; whoever wires the cache converts.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, select, text
from sqlalchemy.dialects.postgresql import insert

from store.tables import web_pages

_FIELDS = ("url", "final_url", "html", "etag", "last_modified")


def get_page(conn: Connection, *, url: str) -> dict[str, Any] | None:
    """Return the cached page of url, if any."""
    row = conn.execute(select(web_pages).where(web_pages.c.url == url)).mappings().first()
    if row is None:
        return None
    page = {name: row[name] for name in _FIELDS}
    page["fetched_at"] = row["fetched_at"].timestamp()
    return page


def put_page(conn: Connection, *, page: dict[str, Any]) -> None:
    """Keep page, replacing an older copy of its URL (a revalidation only moves fetched_at)."""
    values = {name: page.get(name) for name in _FIELDS}
    values["fetched_at"] = datetime.fromtimestamp(float(page["fetched_at"]), UTC)
    statement = insert(web_pages).values(**values)
    conn.execute(
        statement.on_conflict_do_update(
            index_elements=[web_pages.c.url],
            set_={name: statement.excluded[name] for name in (*_FIELDS[1:], "fetched_at")},
        )
    )


_TAKE_SLOT = text(
    """
    INSERT INTO web_domain_slots AS s (domain, next_at)
    VALUES (:domain, clock_timestamp() + make_interval(secs => :interval))
    ON CONFLICT (domain) DO UPDATE
       SET next_at = greatest(s.next_at, clock_timestamp()) + make_interval(secs => :interval)
    RETURNING extract(epoch FROM s.next_at - make_interval(secs => :interval) - clock_timestamp())
    """
)


def take_send_slot(conn: Connection, *, domain: str, interval_s: float) -> float:
    """Take the domain's next send time, moving it interval_s on; return the seconds to wait for it."""
    wait = conn.execute(_TAKE_SLOT, {"domain": domain, "interval": interval_s}).scalar_one()
    return max(0.0, float(wait))
