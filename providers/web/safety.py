"""Which hosts the web lane may reach: no private, loopback or link-local targets outside development.

A host name is resolved and every address it resolves to is checked, so a public-looking name that
points inside the network is refused too (SSRF). In development and tests loopback is allowed, since
the sandbox lives there, and so is a name that does not resolve: the sandbox's world is made of
such names, and a process cannot always see that its lane is sandboxed (settings built in code, a
Ray worker). When the environment names the sandbox, every host resolves to the sandbox's own
address, because that is where the request really goes. Elsewhere an unresolvable name is refused.
"""

from __future__ import annotations

import asyncio
import ipaddress
import os
import socket
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from functools import cache
from urllib.parse import urlsplit

from config import Environment, ProviderSettings

Resolver = Callable[[str], Awaitable[Sequence[str]]]
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


async def system_resolver(host: str) -> Sequence[str]:
    """Resolve host to its addresses with the system resolver (without blocking the loop)."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in infos})


def fixed_resolver(address: str) -> Resolver:
    """Return a resolver answering address for every host (the sandbox's)."""

    async def resolve(_: str) -> Sequence[str]:
        return [address]

    return resolve


def _bare(host: str) -> str:
    host = host.rsplit(":", 1)[0] if host.count(":") == 1 else host  # host:port
    return host.strip("[]").rstrip(".").lower()


def refusal(address: Address, *, allow_loopback: bool) -> str | None:
    """Say why an address may not be fetched, or None when it may."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_loopback:
        return None if allow_loopback else f"{address} is a loopback address"
    if address.is_link_local:
        return f"{address} is a link-local address"
    if address.is_private or address.is_reserved or address.is_unspecified or address.is_multicast:
        return f"{address} is not a public address"
    if not address.is_global:
        return f"{address} is not a public address"
    return None


@dataclass(frozen=True, slots=True)
class TargetGuard:
    """Refuse hosts that resolve to addresses the web lane must not reach."""

    allow_loopback: bool
    resolve: Resolver = system_resolver
    allow_unresolved: bool = False  # development only: the sandbox's names resolve nowhere

    async def check(self, host: str) -> str | None:
        """Return why host may not be fetched, or None when every address it resolves to is public."""
        name = _bare(host)
        try:
            addresses = [ipaddress.ip_address(name)]
        except ValueError:
            try:
                addresses = [ipaddress.ip_address(a.split("%")[0]) for a in await self.resolve(name)]
            except (OSError, UnicodeError, ValueError) as exc:
                return None if self.allow_unresolved else f"cannot resolve {name}: {exc}"
        if not addresses:
            return f"{name} resolves to no address"
        for address in addresses:
            why = refusal(address, allow_loopback=self.allow_loopback)
            if why is not None:
                return f"{name}: {why}"
        return None


@cache
def guard_from_environment() -> TargetGuard:
    """Return this process's guard: loopback and unresolved names only in development/test.

    Operations get no settings tree, so this reads `DEX_ENV` and the web lane's base URL once per
    process, the way the gateways resolve it.
    """
    env = Environment(os.environ.get("DEX_ENV", Environment.DEVELOPMENT.value))
    developing = env in (Environment.DEVELOPMENT, Environment.TEST)
    base = ProviderSettings().base_url("web", "https:")
    sandbox_host = urlsplit(base).hostname if base != "https:" else None
    if developing and sandbox_host:
        try:
            address = str(ipaddress.ip_address(sandbox_host))
        except ValueError:
            address = socket.gethostbyname(sandbox_host)
        return TargetGuard(allow_loopback=True, resolve=fixed_resolver(address))
    return TargetGuard(allow_loopback=developing, allow_unresolved=developing)
