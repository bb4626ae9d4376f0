"""Where a webhook may point: an http(s) URL whose host resolves to public addresses only.

Checked when a webhook is registered and again before every delivery (DNS can change between the
two); a delivery is then sent to the very address that was checked, so a second lookup cannot swap
in another. Development allows loopback, so that a receiver on the same machine can be tried.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class TargetRefused(ValueError):
    """The URL is not one a webhook may be delivered to (the message says why)."""


@dataclass(frozen=True)
class Target:
    """A webhook URL taken apart: what is resolved and what is sent."""

    url: str
    scheme: str
    host: str
    port: int


def parse_target(url: str) -> Target:
    """Take the URL apart, or raise TargetRefused unless it is http(s) with a host and no credentials."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise TargetRefused(f"not a valid URL: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise TargetRefused("the URL must start with http:// or https://")
    if not parts.hostname:
        raise TargetRefused("the URL has no host")
    if parts.username is not None or parts.password is not None:
        raise TargetRefused("the URL must not carry credentials; receivers check the signature instead")
    return Target(
        url=url,
        scheme=scheme,
        host=parts.hostname,
        port=port if port is not None else (443 if scheme == "https" else 80),
    )


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """Return the IPv4 address an IPv6 one carries (mapped, NAT64, 6to4, Teredo), if any."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    return None


def address_problem(address: IPAddress, *, allow_loopback: bool) -> str | None:
    """Return why a delivery may not go to this address (e.g. "private"), or None when it may."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            return address_problem(embedded, allow_loopback=allow_loopback)
    if address.is_unspecified:
        return "unspecified"
    if address.is_loopback:
        return None if allow_loopback else "loopback"
    for kind, flagged in (
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("reserved", address.is_reserved),
        ("private", address.is_private),
    ):
        if flagged:
            return kind
    # Shared (100.64.0.0/10), documentation and benchmark ranges and the like: not reachable publicly.
    return None if address.is_global else "non-public"


def _literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _addresses(infos: list[tuple[object, ...]]) -> list[IPAddress]:
    found: dict[IPAddress, None] = {}
    for info in infos:
        sockaddr = info[4]
        assert isinstance(sockaddr, tuple)
        # An IPv6 sockaddr may carry a zone ("fe80::1%eth0"); the zone says nothing about the kind.
        found[ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])] = None
    return list(found)


def _checked(target: Target, addresses: list[IPAddress], *, allow_loopback: bool) -> list[IPAddress]:
    if not addresses:
        raise TargetRefused(f"{target.host} resolves to no address")
    for address in addresses:
        problem = address_problem(address, allow_loopback=allow_loopback)
        if problem is not None:
            raise TargetRefused(
                f"{target.host} resolves to a {problem} address ({address}); webhooks go to public hosts only"
            )
    return addresses


def check_target(url: str, *, allow_loopback: bool) -> list[IPAddress]:
    """Resolve the URL's host (blocking) and return its addresses, or raise TargetRefused."""
    target = parse_target(url)
    literal = _literal(target.host)
    if literal is not None:
        return _checked(target, [literal], allow_loopback=allow_loopback)
    try:
        infos = socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise TargetRefused(f"{target.host} does not resolve: {exc}") from None
    return _checked(target, _addresses(list(infos)), allow_loopback=allow_loopback)


async def resolve_target(target: Target, *, allow_loopback: bool) -> list[IPAddress]:
    """Resolve the target's host without blocking the loop; raise TargetRefused as check_target does."""
    literal = _literal(target.host)
    if literal is not None:
        return _checked(target, [literal], allow_loopback=allow_loopback)
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise TargetRefused(f"{target.host} does not resolve: {exc}") from None
    return _checked(target, _addresses(list(infos)), allow_loopback=allow_loopback)
