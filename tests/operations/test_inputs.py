"""Domains from what people type: the lenient reading for operations, the strict one for website inputs."""

from __future__ import annotations

import pytest

from operations.inputs import Inputs, NotAWebsite, normalize_domain, website_domain


@pytest.mark.parametrize(
    ("text", "domain"),
    [
        ("acme.com", "acme.com"),
        ("  HTTPS://WWW.Example.com/about?x=1#top ", "example.com"),
        ("www.example.co.uk/", "example.co.uk"),
        ("http://user:pw@example.com:8080/path", "example.com"),
        ("acme.com.", "acme.com"),
        ("münchen.de", "xn--mnchen-3ya.de"),
        ("https://www.bücher.example.de/x", "xn--bcher-kva.example.de"),
        ("BÜCHER.de", "xn--bcher-kva.de"),
        ("пример.рф", "xn--e1afmkfd.xn--p1ai"),
        ("xn--mnchen-3ya.de", "xn--mnchen-3ya.de"),
        ("☃.net", "xn--n3h.net"),  # refused by IDNA 2008, resolved by browsers: the 2003 codec takes it
    ],
)
def test_a_website_or_domain_gives_its_ascii_domain(text: str, domain: str) -> None:
    assert website_domain(text) == domain
    assert normalize_domain(text) == domain


@pytest.mark.parametrize(
    ("text", "what"),
    [
        ("jane.doe@gmail.com", "an email address"),
        ("mailto:jane@acme.com", "an email address"),
        ("localhost", "a local host name"),
        ("http://localhost:8000/app", "a local host name"),
        ("api.localhost", "a local host name"),
        ("10.0.0.1", "an IP address"),
        ("http://192.168.1.1:8080/x", "an IP address"),
        ("2001:db8::1", "an IP address"),
        ("http://[::1]/", "an IP address"),
        ("intranet", "a single name with no dot"),
        ("http://intranet/wiki", "a single name with no dot"),
        ("not a website", None),
        ("acme.c0m", None),
        ("https://", None),
        ("", None),
    ],
)
def test_what_is_no_website_is_refused_with_the_reason(text: str, what: str | None) -> None:
    with pytest.raises(NotAWebsite) as refused:
        website_domain(text)
    assert refused.value.what == what


def test_the_lenient_reading_still_takes_a_work_emails_domain() -> None:
    assert normalize_domain("jane@Example.io") == "example.io"
    assert normalize_domain("jane@münchen.de") == "xn--mnchen-3ya.de"
    assert Inputs({"company_domain": "jane@acme.com"}).domain("company_domain") == "acme.com"
    for junk in ("localhost", "10.0.0.1", "intranet", None, 42, "a" * 3000):
        assert normalize_domain(junk) is None
