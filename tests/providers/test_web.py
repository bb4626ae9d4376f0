"""The web provider: a URL as a request to the lane, and every kind of answer classified."""

from __future__ import annotations

import pytest

from config import ProviderSettings
from providers.base import Credentials, ErrorClass, Outcome, RequestSpec, Skip
from providers.http import HttpResponse
from providers.registry import endpoint_for, get_provider
from providers.web import (
    MAX_BODY_BYTES,
    build_fetch_page,
    build_fetch_robots,
    parse_fetch_page,
    parse_fetch_robots,
)

NO_KEY = Credentials(None)


def answer(status: int, body: bytes = b"", **headers: str) -> HttpResponse:
    return HttpResponse(status, {k.replace("_", "-"): v for k, v in headers.items()}, body, 1.0)


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("https://acme.com/pricing", "//acme.com/pricing"),
        ("http://Acme.com/pricing?plan=pro#top", "//acme.com/pricing?plan=pro"),
        ("https://acme.com", "//acme.com/"),
        ("https://acme.com:8443/p", "//acme.com:8443/p"),
        ("https://[::1]/p", "//[::1]/p"),
    ],
)
def test_a_url_becomes_its_host_and_path_under_the_lane(url: str, path: str) -> None:
    spec = build_fetch_page({"url": url}, NO_KEY)
    assert isinstance(spec, RequestSpec) and spec.method == "GET" and spec.path == path


def test_the_real_lane_reaches_the_site_and_the_sandbox_lane_maps_every_host_under_web() -> None:
    web = get_provider("web")
    spec = build_fetch_page({"url": "https://acme.com/pricing"}, NO_KEY)
    assert isinstance(spec, RequestSpec)
    assert web.base_url.rstrip("/") + spec.path == "https://acme.com/pricing"
    sandboxed = endpoint_for(web, ProviderSettings.for_sandbox("http://127.0.0.1:9", "k"))
    assert sandboxed.base_url + spec.path == "http://127.0.0.1:9/web//acme.com/pricing"


def test_a_cached_copy_makes_the_request_conditional() -> None:
    spec = build_fetch_page({"url": "https://a.io/p", "etag": '"v1"', "last_modified": "Mon"}, NO_KEY)
    assert isinstance(spec, RequestSpec)
    assert spec.headers["If-None-Match"] == '"v1"' and spec.headers["If-Modified-Since"] == "Mon"


@pytest.mark.parametrize("url", ["ftp://a.io/x", "file:///etc/passwd", "https://user:pw@a.io/", "/relative"])
def test_anything_but_an_http_url_is_bad_input(url: str) -> None:
    with pytest.raises(ValueError):
        build_fetch_page({"url": url}, NO_KEY)


def test_no_url_is_a_skip() -> None:
    assert isinstance(build_fetch_page({}, NO_KEY), Skip)
    robots = build_fetch_robots({"url": "https://a.io/deep/page"}, NO_KEY)
    assert isinstance(robots, RequestSpec) and robots.path == "//a.io/robots.txt"


def test_a_page_is_found_with_its_validators() -> None:
    page = parse_fetch_page(
        answer(
            200, b"<html>hi</html>", content_type="text/html; charset=utf-8", etag='"e"', last_modified="D"
        )
    )
    assert page.outcome is Outcome.FOUND and page.data is not None
    assert page.data["html"] == "<html>hi</html>" and page.data["etag"] == '"e"'
    assert page.data["last_modified"] == "D" and page.raw is None


def test_not_modified_redirects_and_gone_pages() -> None:
    fresh = parse_fetch_page(answer(304, etag='"e"'))
    assert fresh.outcome is Outcome.FOUND and fresh.data == {
        "status": 304,
        "not_modified": True,
        "etag": '"e"',
        "last_modified": None,
    }
    moved = parse_fetch_page(answer(301, location="/plans"))
    assert moved.outcome is Outcome.FOUND and moved.data == {"status": 301, "redirect": "/plans"}
    assert parse_fetch_page(answer(302)).outcome is Outcome.FAILED  # a redirect to nowhere
    assert parse_fetch_page(answer(404)).outcome is Outcome.NOT_FOUND
    assert parse_fetch_page(answer(503)).outcome is Outcome.RETRYABLE


def test_pages_that_are_not_html_or_too_big_are_refused() -> None:
    pdf = parse_fetch_page(answer(200, b"%PDF", content_type="application/pdf"))
    assert pdf.outcome is Outcome.FAILED and pdf.error_class is ErrorClass.BAD_INPUT
    assert "application/pdf" in (pdf.message or "")
    huge = parse_fetch_page(answer(200, b"x" * (MAX_BODY_BYTES + 1), content_type="text/html"))
    assert huge.outcome is Outcome.FAILED and "cap" in (huge.message or "")
    declared = parse_fetch_page(answer(200, b"<p>", content_type="text/html", content_length="99999999"))
    assert declared.outcome is Outcome.FAILED
    xhtml = parse_fetch_page(answer(200, b"<p>", content_type="application/xhtml+xml"))
    assert xhtml.outcome is Outcome.FOUND


def test_robots_answers_read_as_rfc_9309_says() -> None:
    rules = parse_fetch_robots(answer(200, b"User-agent: *\nDisallow: /x\n", content_type="text/plain"))
    assert rules.outcome is Outcome.FOUND and rules.data is not None and "Disallow" in rules.data["rules"]
    absent = parse_fetch_robots(answer(404))
    assert absent.outcome is Outcome.FOUND and absent.data is not None and absent.data["rules"] == ""
    assert parse_fetch_robots(answer(500)).outcome is Outcome.RETRYABLE
