"""The sandboxed web: `/web//<host>/<path>` answers as the site at `https://<host>/<path>` would.

Company sites (any world domain) serve `/robots.txt`, `/pricing` (404 for companies without one;
a 301 to `/plans` for some), and the pages tests need: `/old-pricing` (301 to `/pricing`),
`/loop/<n>` (an endless chain of 302s), `/slow-pricing` (the page after 1.5 s), `/huge-pricing`
(over 2 MB, its length declared), `/huge-streamed-pricing` (over 2 MB in chunks, no length declared),
`/pricing.pdf` (not HTML) and `/internal/pricing` (disallowed by robots.txt).
`www.g2.com` serves `/products/<slug>/reviews`. Pages carry an ETag and a Last-Modified and answer a
matching conditional request with 304. No key is needed: web pages are public.
"""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import Receive, Scope, Send

from providers.sandbox.app import SandboxProvider
from providers.sandbox.web_pages import (
    G2_ROBOTS,
    etag_of,
    g2_html,
    g2_truth,
    pricing_html,
    pricing_truth,
    robots_txt,
)
from providers.sandbox.world_companies import Company

G2_HOSTS = frozenset({"www.g2.com", "g2.com"})
LAST_MODIFIED = "Mon, 02 Nov 2026 08:00:00 GMT"
HUGE_BYTES = 3 * 1024 * 1024
HUGE_CHUNK = 64 * 1024
SLOW_S = 1.5


class _HugeStreamed(Response):
    """A page over the cap sent in chunks with no Content-Length (chunked transfer encoding).

    Not a StreamingResponse: that one stops at the first `http.disconnect` its receive gives, and the
    sandbox's gate replays the request body once, then says disconnect.
    """

    def __init__(self) -> None:
        super().__init__(media_type="text/html")
        self.raw_headers = [(k, v) for k, v in self.raw_headers if k != b"content-length"]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": self.raw_headers})
        await send({"type": "http.response.body", "body": b"<html><body>", "more_body": True})
        for _ in range(HUGE_BYTES // HUGE_CHUNK):
            await send({"type": "http.response.body", "body": b"x" * HUGE_CHUNK, "more_body": True})
            await asyncio.sleep(0)
        await send({"type": "http.response.body", "body": b"</body></html>", "more_body": False})


def _not_found() -> Response:
    return Response("<html><body><h1>Not found</h1></body></html>", 404, media_type="text/html")


def _html(request: Request, text: str) -> Response:
    body = text.encode()
    etag = etag_of(body)
    headers = {"ETag": etag, "Last-Modified": LAST_MODIFIED, "Cache-Control": "max-age=300"}
    if request.headers.get("if-none-match") == etag or (
        "if-none-match" not in request.headers and request.headers.get("if-modified-since") == LAST_MODIFIED
    ):
        return Response(status_code=304, headers=headers)
    return Response(body, 200, headers=headers, media_type="text/html; charset=utf-8")


class WebSandbox(SandboxProvider):
    """Company sites and G2 pages, from the world."""

    name = "web"

    def routes(self) -> list[BaseRoute]:
        # The lane's path is the URL's authority and path (`//acme.com/pricing`), hence one catch-all.
        return [Route("/{rest:path}", self.page, methods=["GET"])]

    async def authorized(self, request: Request) -> bool:
        return True

    async def page(self, request: Request) -> Response:
        host, _, rest = request.path_params["rest"].lstrip("/").partition("/")
        host, path = host.lower(), "/" + rest
        if host in G2_HOSTS:
            return self._g2(request, path)
        company = self.world.company(host)
        if company is None:
            return _not_found()
        return await self._site(request, company, path)

    def _g2(self, request: Request, path: str) -> Response:
        if path == "/robots.txt":
            return PlainTextResponse(G2_ROBOTS)
        parts = path.strip("/").split("/")
        if len(parts) != 3 or parts[0] != "products" or parts[2] != "reviews":
            return _not_found()
        company = self.world.company_by_linkedin(f"https://www.linkedin.com/company/{parts[1]}")
        truth = g2_truth(self.world, company) if company is not None else None
        if company is None or truth is None or truth.slug != parts[1]:
            return _not_found()
        return _html(request, g2_html(company, truth))

    async def _site(self, request: Request, company: Company, path: str) -> Response:
        truth = pricing_truth(self.world, company)
        if path == "/robots.txt":
            return PlainTextResponse(robots_txt(truth))
        if path == "/old-pricing":
            return RedirectResponse("/pricing", 301)
        if path.startswith("/loop/"):
            step = path.removeprefix("/loop/")
            return RedirectResponse(f"/loop/{int(step) + 1 if step.isdigit() else 0}", 302)
        if path == "/pricing.pdf":
            return Response(b"%PDF-1.4 plans", 200, media_type="application/pdf")
        if path == "/huge-pricing":
            return Response(b"<html><body>" + b"x" * HUGE_BYTES + b"</body></html>", media_type="text/html")
        if path == "/huge-streamed-pricing":
            return _HugeStreamed()
        if truth is None:
            return _not_found()
        if path == "/pricing" and truth.redirected:
            return RedirectResponse(f"https://{company.domain}/plans", 301)
        if path == "/slow-pricing":
            await asyncio.sleep(SLOW_S)
        elif path not in ("/pricing", "/plans", "/internal/pricing"):
            return _not_found()
        return _html(request, pricing_html(company, truth))
