"""Webhook targets: only http(s) URLs whose host is public; loopback in development only."""

from __future__ import annotations

import ipaddress

import pytest

from api.services.webhook_targets import TargetRefused, address_problem, check_target, parse_target

REFUSED = [
    ("127.0.0.1", "loopback"),
    ("::1", "loopback"),
    ("::ffff:127.0.0.1", "loopback"),
    ("10.1.2.3", "private"),
    ("172.16.0.1", "private"),
    ("192.168.1.1", "private"),
    ("fd00::1", "private"),
    ("::ffff:10.0.0.1", "private"),
    ("64:ff9b::a00:1", "private"),  # NAT64 of 10.0.0.1
    ("2002:a00:1::1", "private"),  # 6to4 of 10.0.0.1
    ("169.254.169.254", "link-local"),
    ("fe80::1", "link-local"),
    ("224.0.0.1", "multicast"),
    ("ff02::1", "multicast"),
    ("0.0.0.0", "unspecified"),
    ("::", "unspecified"),
    ("240.0.0.1", "reserved"),
    ("100.64.0.1", "non-public"),
]


@pytest.mark.parametrize(("address", "kind"), REFUSED)
def test_non_public_addresses_are_refused_by_kind(address: str, kind: str) -> None:
    assert address_problem(ipaddress.ip_address(address), allow_loopback=False) == kind


@pytest.mark.parametrize("address", ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c", "8.8.8.8"])
def test_public_addresses_are_allowed(address: str) -> None:
    assert address_problem(ipaddress.ip_address(address), allow_loopback=False) is None


def test_development_allows_loopback_but_nothing_else_private() -> None:
    for address in ("127.0.0.1", "::1", "::ffff:127.0.0.1"):
        assert address_problem(ipaddress.ip_address(address), allow_loopback=True) is None
    assert address_problem(ipaddress.ip_address("10.0.0.1"), allow_loopback=True) == "private"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://example.com/x", "http:// or https://"),
        ("example.com/hook", "http:// or https://"),
        ("https:///hook", "no host"),
        ("https://user:pw@example.com/hook", "credentials"),
        ("https://example.com:99999/hook", "not a valid URL"),
        ("http://[::1]/hook", "loopback address"),
        ("http://[fe80::1]/hook", "link-local address"),
        ("http://localhost:8080/hook", "loopback address"),
        ("http://2130706433/hook", "loopback address"),  # 127.0.0.1 as one number
    ],
)
def test_urls_are_refused_with_a_reason(url: str, message: str) -> None:
    with pytest.raises(TargetRefused, match=message):
        check_target(url, allow_loopback=False)


def test_a_public_literal_needs_no_lookup_and_ports_default_by_scheme() -> None:
    assert check_target("https://93.184.215.14/hooks/dex", allow_loopback=False) == [
        ipaddress.ip_address("93.184.215.14")
    ]
    assert parse_target("https://crm.example.com/h").port == 443
    assert parse_target("HTTP://crm.example.com:8080/h").port == 8080
