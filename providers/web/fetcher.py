"""A careful page fetcher over the web lane: safety, robots.txt, politeness, redirects and a page cache.

Every HTTP request is one `call("web", action, inputs)`, the operation's recording caller, so each
request goes through the gateway (its retries, its shared limit) and becomes an attempt in the
journal. Around the calls, this module decides:
- target safety: every hop's host is resolved and checked (`providers/web/safety.py`);
- robots.txt: read once per host and kept for a day (RFC 9309's longest cache), then obeyed for
  every hop, redirects included, as RFC 9309 matches it (`providers/web/robots.py`: our group by
  product token, the longest rule, `*` and `$`); an unreachable robots.txt disallows the host for this fetch;
- politeness: at most one request per `interval_s` (1 s) per domain, robots.txt included;
- redirects: followed by the fetcher (the HTTP client never does), at most `max_redirects`;
- the cache: a page fetched within `fresh_for_s` is answered without a request; after that, it is
  revalidated with its ETag / Last-Modified, and a 304 costs no body.
Robots rules are per process. Politeness lanes and the page cache are the process's own unless
`use_lanes` / `use_cache` give the process client shared ones: the engine's workers take each domain's
send slots from PostgreSQL, so a cluster keeps one lane per domain, and put PostgreSQL behind their
memory cache (`cluster/page_cache.py`, via `TieredPageCache`).
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal, Protocol
from urllib.parse import urljoin, urlsplit, urlunsplit

from providers.base import Outcome, ProviderResult
from providers.web import FETCH_PAGE, FETCH_ROBOTS, NAME, target
from providers.web.robots import RobotsRules
from providers.web.safety import TargetGuard, guard_from_environment

Call = Callable[[str, str, Mapping[str, Any]], Awaitable[ProviderResult]]
Clock = Callable[[], float]
USER_AGENT = "data-engine-x"  # the product token robots.txt groups are matched against
ROBOTS_TTL_S = 24 * 3600.0
FRESH_FOR_S = 24 * 3600.0
MAX_REDIRECTS = 5


@dataclass(frozen=True, slots=True)
class CachedPage:
    """A page as last fetched, with its validators and when it was last confirmed current."""

    url: str
    final_url: str
    html: str
    etag: str | None
    last_modified: str | None
    fetched_at: float  # epoch seconds of the last fetch or 304 revalidation


class PageCache(Protocol):
    """Where fetched pages are kept by the URL asked for."""

    async def get(self, url: str) -> CachedPage | None:
        """Return the cached copy of url, if any."""
        ...

    async def put(self, page: CachedPage) -> None:
        """Keep page (replacing any older copy of its URL)."""
        ...


class MemoryPageCache:
    """A bounded in-process page cache (least recently used pages go first)."""

    def __init__(self, max_pages: int = 512) -> None:
        self.max_pages = max_pages
        self._pages: OrderedDict[str, CachedPage] = OrderedDict()

    async def get(self, url: str) -> CachedPage | None:
        """Return the cached copy of url, if any."""
        page = self._pages.get(url)
        if page is not None:
            self._pages.move_to_end(url)
        return page

    async def put(self, page: CachedPage) -> None:
        """Keep page, dropping the least recently used beyond max_pages."""
        self._pages[page.url] = page
        self._pages.move_to_end(page.url)
        while len(self._pages) > self.max_pages:
            self._pages.popitem(last=False)


class TieredPageCache:
    """A near cache (this process's memory) in front of a far one (shared, e.g. PostgreSQL).

    A get asks the near cache first and takes its copy while it is fresh (fetched less than fresh_for_s
    ago); otherwise it asks the far cache too, keeps the newer of the two copies near, and returns it,
    so a page another worker fetched or revalidated is seen here. A put writes both.
    """

    def __init__(
        self,
        near: PageCache,
        far: PageCache,
        *,
        fresh_for_s: float = FRESH_FOR_S,
        clock: Clock = time.time,
    ) -> None:
        self.near = near
        self.far = far
        self.fresh_for_s = fresh_for_s
        self.clock = clock

    async def get(self, url: str) -> CachedPage | None:
        """Return the freshest copy of url: the near one while fresh, else the newer of near and far."""
        near = await self.near.get(url)
        if near is not None and self.clock() - near.fetched_at < self.fresh_for_s:
            return near
        far = await self.far.get(url)
        if far is None or (near is not None and near.fetched_at >= far.fetched_at):
            return near
        await self.near.put(far)
        return far

    async def put(self, page: CachedPage) -> None:
        """Keep page in both caches."""
        await self.near.put(page)
        await self.far.put(page)


def domain_of(host: str) -> str:
    """Return the politeness key of a host: lower-cased, without port and `www.`."""
    bare = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    return bare.lower().removeprefix("www.")


class Lanes(Protocol):
    """Politeness: when a request to a host may go out."""

    async def wait(self, host: str) -> None:
        """Wait for the host's domain's next send time, and take it."""
        ...


class DomainLanes:
    """At most one request per interval_s per domain, in this process.

    A request takes the domain's next send time and moves it on before awaiting anything, so no lock
    is needed (a lock would bind to one event loop, and the process's client outlives loops).
    """

    def __init__(self, interval_s: float = 1.0, clock: Clock = time.monotonic) -> None:
        self.interval_s = interval_s
        self.clock = clock
        self._next: dict[str, float] = {}

    async def wait(self, host: str) -> None:
        """Wait for the domain's next send time, and take it."""
        domain = domain_of(host)
        now = self.clock()
        slot = max(now, self._next.get(domain, 0.0))
        self._next[domain] = slot + self.interval_s
        if slot > now:
            await asyncio.sleep(slot - now)


@dataclass(slots=True)
class _Rules:
    rules: RobotsRules
    expires: float


class RobotsBook:
    """Each host's robots.txt rules, read through the web lane and kept for ttl_s."""

    def __init__(self, ttl_s: float = ROBOTS_TTL_S, clock: Clock = time.time) -> None:
        self.ttl_s = ttl_s
        self.clock = clock
        self._rules: dict[str, _Rules] = {}

    def known(self, host: str) -> RobotsRules | None:
        """Return host's unexpired rules, if read."""
        kept = self._rules.get(host)
        return kept.rules if kept is not None and kept.expires > self.clock() else None

    def learn(self, host: str, answer: ProviderResult) -> RobotsRules:
        """Keep the rules an answer of fetch_robots gave (everything disallowed when it gave none).

        A 4xx answer comes as no rules (everything allowed) and is kept like any other; an
        unreachable robots.txt (5xx, network) disallows the host for this fetch and is not kept.
        """
        if answer.outcome is Outcome.FOUND and answer.data is not None:
            rules = RobotsRules.parse(str(answer.data.get("rules") or ""))
            self._rules[host] = _Rules(rules, self.clock() + self.ttl_s)
            return rules
        return RobotsRules.disallow_all()  # RFC 9309: unreachable rules forbid, for now


@dataclass(frozen=True, slots=True)
class Fetched:
    """What a fetch gave: a page (from the network, the cache, or a 304), or why there is none."""

    url: str
    html: str | None = None
    final_url: str | None = None
    fetched_at: float | None = None
    source: Literal["network", "cache", "revalidated"] | None = None
    refused: str | None = None  # safety, robots, redirects, type or size: never retried
    failed: ProviderResult | None = None  # the lane's answer when it gave no page (404, 5xx…)

    @property
    def ok(self) -> bool:
        return self.html is not None


@dataclass(slots=True)
class WebClient:
    """The shared pieces of one process's fetching: lanes, robots rules, cache and the target guard."""

    cache: PageCache = field(default_factory=MemoryPageCache)
    lanes: Lanes = field(default_factory=DomainLanes)
    robots: RobotsBook = field(default_factory=RobotsBook)
    guard: TargetGuard | None = None  # None: the process's guard (guard_from_environment)
    fresh_for_s: float = FRESH_FOR_S
    max_redirects: int = MAX_REDIRECTS
    clock: Clock = time.time

    async def fetch(self, call: Call, url: str) -> Fetched:
        """Fetch url through call: from the cache when fresh, else from the site, revalidating a copy."""
        try:
            url = canonical(url)
        except ValueError as exc:
            return Fetched(url, refused=str(exc))
        cached = await self.cache.get(url)
        if cached is not None and self.clock() - cached.fetched_at < self.fresh_for_s:
            return Fetched(url, cached.html, cached.final_url, cached.fetched_at, "cache")
        return await self._follow(call, url, cached)

    async def _follow(self, call: Call, url: str, cached: CachedPage | None) -> Fetched:
        guard = self.guard if self.guard is not None else guard_from_environment()
        validators = (
            {"etag": cached.etag, "last_modified": cached.last_modified} if cached is not None else {}
        )
        hop = url
        for _ in range(self.max_redirects + 1):
            host, _ = target(hop)
            unsafe = await guard.check(host)
            if unsafe is not None:
                return Fetched(url, refused=f"unsafe target: {unsafe}")
            if not await self._allowed(call, host, hop):
                return Fetched(url, refused=f"disallowed by robots.txt: {hop}")
            await self.lanes.wait(host)
            answer = await call(NAME, FETCH_PAGE, {"url": hop, **{k: v for k, v in validators.items() if v}})
            data = answer.data or {}
            if answer.outcome is not Outcome.FOUND:
                refused = answer.outcome is Outcome.FAILED and answer.error_class == "bad_input"
                return Fetched(url, refused=answer.message if refused else None, failed=answer)
            if "redirect" in data:
                try:
                    hop = canonical(urljoin(hop, str(data["redirect"])))
                except ValueError as exc:
                    return Fetched(url, refused=f"redirect to {exc}")
                continue
            now = self.clock()
            if data.get("not_modified"):
                if cached is None:  # a 304 to an unconditional request: no page to show
                    return Fetched(url, refused="304 Not Modified without a cached copy", failed=answer)
                page = replace(cached, fetched_at=now)
                await self.cache.put(page)
                return Fetched(url, page.html, page.final_url, now, "revalidated")
            page = CachedPage(
                url, hop, str(data.get("html") or ""), data.get("etag"), data.get("last_modified"), now
            )
            await self.cache.put(page)
            return Fetched(url, page.html, hop, now, "network")
        return Fetched(url, refused=f"more than {self.max_redirects} redirects")

    async def _allowed(self, call: Call, host: str, url: str) -> bool:
        rules = self.robots.known(host)
        if rules is None:
            await self.lanes.wait(host)
            rules = self.robots.learn(host, await call(NAME, FETCH_ROBOTS, {"url": url}))
        return rules.allowed(USER_AGENT, url)


def canonical(url: str) -> str:
    """Return url as fetched: https (the lane's only scheme), lower-cased host, no fragment."""
    host, path = target(url)
    parts = urlsplit(f"https://{host}{path}")
    return urlunsplit((parts.scheme, parts.netloc.lower(), parts.path or "/", parts.query, ""))


_CLIENT: WebClient | None = None


def process_client() -> WebClient:
    """Return this process's web client (its lanes, robots rules and cache), made on first use."""
    global _CLIENT
    if _CLIENT is None:
        _CLIENT = WebClient()
    return _CLIENT


def use_lanes(lanes: Lanes) -> None:
    """Make the process client pace its requests by lanes (e.g. lanes shared by a cluster's workers)."""
    process_client().lanes = lanes


def use_cache(cache: PageCache) -> None:
    """Make the process client keep its pages in cache (its lanes and robots rules stay as they are)."""
    process_client().cache = cache
