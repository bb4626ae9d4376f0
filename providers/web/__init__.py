"""The open web as a provider: one GET of a page or of a site's robots.txt, built and classified purely.

A page is not an API, so the facts here are the HTTP standards, not a vendor's documentation:
- RFC 9110 (redirects are 301/302/303/307/308 with a `Location`; conditional requests with
  `If-None-Match` / `If-Modified-Since` answered `304 Not Modified` carry no body);
- RFC 9309 (robots.txt: a 4xx means "no rules, crawl freely"; a 5xx or an unreachable file means
  "assume everything is disallowed" until it can be read).

How a URL reaches the gateway: the base URL is only the scheme and the request path is the rest of
the URL, authority included, so `https://acme.com/pricing` is sent as base `https:` + path
`//acme.com/pricing`. The settings' sandbox substitution (`<sandbox>/web`) then maps every page of
every host onto the sandbox (`<sandbox>/web//acme.com/pricing`) with no code of ours, and
`WEB_BASE_URL` can point the lane at a fetching proxy the same way. Pages are fetched over https only; an `http://`
URL is upgraded.

One action call is one HTTP request: redirects, robots.txt, per-domain politeness, target safety and
the page cache are the fetcher's (`providers/web/fetcher.py`), which calls these actions one request
at a time so that each request is an attempt in the journal.

Bodies are capped at `MAX_BODY_BYTES` while they stream in (`RequestSpec.max_body_bytes`): a page
declaring a longer Content-Length is not read at all, and a longer one is cut off at the cap; either is
refused, as an over-cap body always was.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from providers.base import (
    Action,
    Credentials,
    ErrorClass,
    Outcome,
    Provider,
    ProviderResult,
    RateLimit,
    RequestSpec,
    Skip,
    classify_http_error,
    missing,
    result,
)
from providers.http import HttpResponse

NAME = "web"
FETCH_PAGE = "fetch_page"
FETCH_ROBOTS = "fetch_robots"
MAX_BODY_BYTES = 2 * 1024 * 1024
PAGE_TYPES = frozenset({"text/html", "application/xhtml+xml"})
REDIRECTS = frozenset({301, 302, 303, 307, 308})
PAGE_TIMEOUT_S = 20.0
_ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1"


def target(url: str) -> tuple[str, str]:
    """Split an absolute http(s) URL into its host (with any port) and its path with query.

    Raises ValueError for anything else: other schemes, no host, credentials in the URL.
    """
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {url[:200]!r}")
    if parts.username or parts.password:
        raise ValueError("URLs with credentials are not fetched")
    host = parts.hostname.rstrip(".")
    if ":" in host:  # an IPv6 literal keeps its brackets in the path segment
        host = f"[{host}]"
    if parts.port is not None and parts.port != 443:
        host = f"{host}:{parts.port}"
    path = parts.path or "/"
    return host, path + (f"?{parts.query}" if parts.query else "")


def _spec(host: str, path: str, headers: Mapping[str, str]) -> RequestSpec:
    # The HTTP client stops reading at the cap (or before, on a declared Content-Length over it).
    return RequestSpec(
        "GET",
        f"//{host}{path}",
        headers=dict(headers),
        timeout_s=PAGE_TIMEOUT_S,
        max_body_bytes=MAX_BODY_BYTES,
    )


def build_fetch_page(inputs: Mapping[str, Any], credentials: Credentials) -> RequestSpec | Skip:
    """GET one page, conditionally when a cached copy's validators are given (no key needed)."""
    url = inputs.get("url")
    if not isinstance(url, str) or not url.strip():
        return missing("url")
    host, path = target(url)
    headers = {"Accept": _ACCEPT}
    if isinstance(etag := inputs.get("etag"), str) and etag:
        headers["If-None-Match"] = etag
    if isinstance(modified := inputs.get("last_modified"), str) and modified:
        headers["If-Modified-Since"] = modified
    return _spec(host, path, headers)


def build_fetch_robots(inputs: Mapping[str, Any], credentials: Credentials) -> RequestSpec | Skip:
    """GET a host's robots.txt."""
    url = inputs.get("url")
    if not isinstance(url, str) or not url.strip():
        return missing("url")
    host, _ = target(url)
    return _spec(host, "/robots.txt", {"Accept": "text/plain"})


def _media_type(headers: Mapping[str, str]) -> tuple[str, str]:
    value = headers.get("content-type", "")
    media, _, params = value.partition(";")
    charset = "utf-8"
    for param in params.split(";"):
        name, _, val = param.strip().partition("=")
        if name.lower() == "charset" and val:
            charset = val.strip('"').lower()
    return media.strip().lower(), charset


def _decoded(body: bytes, charset: str) -> str:
    try:
        return body.decode(charset, errors="replace")
    except LookupError:  # an unknown charset name
        return body.decode("utf-8", errors="replace")


def _refused(action: str, response: HttpResponse, why: str) -> ProviderResult:
    # Final and not the site's health: a page we will not read is bad input for this lane.
    return result(
        action, NAME, Outcome.FAILED, response, error_class=ErrorClass.BAD_INPUT, message=why, raw=None
    )


def _too_big(response: HttpResponse) -> bool:
    if response.truncated:  # the client stopped reading at the cap
        return True
    declared = response.headers.get("content-length", "")
    return (declared.isdigit() and int(declared) > MAX_BODY_BYTES) or len(response.body) > MAX_BODY_BYTES


def parse_fetch_page(response: HttpResponse) -> ProviderResult:
    """Classify a page answer: the page, not modified, a redirect to follow, gone, or refused."""
    status = response.status
    validators = {
        "etag": response.headers.get("etag"),
        "last_modified": response.headers.get("last-modified"),
    }
    if status == 304:
        data = {"status": 304, "not_modified": True, **validators}
        return result(FETCH_PAGE, NAME, Outcome.FOUND, response, data=data, raw=None, provider_status="304")
    if status in REDIRECTS:
        location = response.headers.get("location")
        if not location:
            return _refused(FETCH_PAGE, response, f"a {status} redirect without a Location")
        data = {"status": status, "redirect": location}
        return result(
            FETCH_PAGE, NAME, Outcome.FOUND, response, data=data, raw=None, provider_status="redirect"
        )
    if status in (404, 410):
        return result(FETCH_PAGE, NAME, Outcome.NOT_FOUND, response, raw=None, provider_status=str(status))
    if status != 200:
        return classify_http_error(FETCH_PAGE, NAME, response, raw=None)
    if _too_big(response):
        return _refused(FETCH_PAGE, response, f"body over the {MAX_BODY_BYTES} byte cap")
    media, charset = _media_type(response.headers)
    if media not in PAGE_TYPES:
        return _refused(FETCH_PAGE, response, f"content type {media or 'missing'} is not a page")
    data = {
        "status": 200,
        "html": _decoded(response.body, charset),
        "content_type": media,
        **validators,
    }
    # The page itself is the data; the journal's raw copy would only repeat it.
    return result(FETCH_PAGE, NAME, Outcome.FOUND, response, data=data, raw=None, provider_status="200")


def parse_fetch_robots(response: HttpResponse) -> ProviderResult:
    """Read a robots.txt answer as RFC 9309 says: rules, none (4xx), or everything disallowed (5xx)."""
    status = response.status
    if status == 200 and not _too_big(response):
        data = {"status": 200, "rules": _decoded(response.body, _media_type(response.headers)[1])}
        return result(FETCH_ROBOTS, NAME, Outcome.FOUND, response, data=data, raw=None)
    if status in REDIRECTS or (400 <= status < 500 and status != 429):
        # A redirected robots.txt is rare enough to read as absent; 4xx means no rules.
        return result(
            FETCH_ROBOTS, NAME, Outcome.FOUND, response, data={"status": status, "rules": ""}, raw=None
        )
    return classify_http_error(FETCH_ROBOTS, NAME, response, raw=None)


PROVIDER = Provider(
    name=NAME,
    base_url="https:",  # the path carries the authority: see the module's docstring
    needs_key=False,  # web pages are public
    # The lane's shared limit over every site; politeness (1 request/s per target domain) is the
    # fetcher's, since a domain is not a path family the gateway's lanes can name.
    rate_limit=RateLimit(rate=20, concurrency=10),
    actions={
        FETCH_PAGE: Action(
            NAME, FETCH_PAGE, build_fetch_page, parse_fetch_page, description="GET one HTML page."
        ),
        FETCH_ROBOTS: Action(
            NAME, FETCH_ROBOTS, build_fetch_robots, parse_fetch_robots, description="GET a site's robots.txt."
        ),
    },
    docs="RFC 9110 (redirects, conditional requests), RFC 9309 (robots.txt); the limits are our policy",
)
