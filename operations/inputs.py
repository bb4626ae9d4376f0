"""Typed, defensive reads of an operation's inputs from a cumulative context and its step parameters.

A pipeline's context is large and noisy: unrelated keys, nulls, nested objects, wrong types. An
operation never reads it directly; it asks for a text, a domain, a URL, an email or a number, and
gets a clean value or None — so garbage never reaches a provider.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

import idna

MAX_TEXT = 500
# The top label is letters, or the punycode of an internationalised one (`xn--p1ai` for `рф`).
_DOMAIN = re.compile(
    r"^(?=.{3,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$"
)
_IP_SHAPED = re.compile(r"^(?:[0-9.]+|[0-9a-f.:]*:[0-9a-f.:%a-z]*)$")
_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_EMAIL = re.compile(r"^[a-z0-9._%+'-]{1,64}@([a-z0-9-]+\.)+[a-z]{2,63}$")


def _ascii_host(host: str) -> str | None:
    """Return host in ASCII: an internationalised name as punycode (IDNA 2008), None if it cannot be."""
    if host.isascii():
        return host
    try:
        return idna.encode(host, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError):
        pass
    try:
        # IDNA 2003 (the standard library's codec) still allows what 2008 dropped, e.g. symbols,
        # and browsers resolve such names: better a domain a provider may know than a refusal.
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return None


def _host(text: str) -> str | None:
    """Return the lowercase ASCII host of a URL or bare host name (no `www.`), or None."""
    if "://" not in text:
        text = "http://" + text
    try:
        host = urlsplit(text).hostname or ""
    except ValueError:
        return None
    ascii_host = _ascii_host(host.rstrip("."))
    return None if ascii_host is None else ascii_host.removeprefix("www.")


def normalize_domain(value: Any) -> str | None:
    """Return the bare lowercase host of a domain, URL or email (no scheme, `www.`, port or path).

    An internationalised domain comes back as punycode (`münchen.de` -> `xn--mnchen-3ya.de`). An email
    gives its domain on purpose: a work email names the company. Files and forms that ask for a
    website use `website_domain`, which refuses one.
    """
    if not isinstance(value, str):
        return None
    text = value.strip().lower()
    if not text or len(text) > 2048:
        return None
    if "@" in text and "/" not in text:
        text = text.rsplit("@", 1)[1]
    host = _host(text)
    return host if host is not None and _DOMAIN.match(host) else None


class NotAWebsite(ValueError):
    """A text given as a website or domain is none; `what` says what it is instead, when known."""

    def __init__(self, what: str | None) -> None:
        super().__init__(what or "not a website")
        self.what = what


def website_domain(value: str) -> str:
    """Return the public domain a website or domain text names (punycode for an IDN); raise NotAWebsite.

    Stricter than `normalize_domain`: an email address, an IP address, `localhost` or a single name
    such as `intranet` is refused with the reason, since none of them is a company's website.
    """
    text = value.strip().lower()
    if not text or len(text) > 2048:
        raise NotAWebsite(None)
    if _DOMAIN.match(text) and not text.endswith(".localhost"):  # a bare domain: nothing to parse
        bare = text.removeprefix("www.")
        if _DOMAIN.match(bare):
            return bare
    before_path = text.split("/", 1)[0]
    if text.startswith("mailto:") or ("@" in before_path and "://" not in text):
        raise NotAWebsite("an email address")
    if _is_ip(text.strip("[]")):
        raise NotAWebsite("an IP address")
    host = _host(text)
    if host is None or not host:
        raise NotAWebsite(None)
    if _is_ip(host):
        raise NotAWebsite("an IP address")
    if host == "localhost" or host.endswith(".localhost"):
        raise NotAWebsite("a local host name")
    if "." not in host and _LABEL.match(host):
        raise NotAWebsite("a single name with no dot")
    if not _DOMAIN.match(host):
        raise NotAWebsite(None)
    return host


def _is_ip(text: str) -> bool:
    if not _IP_SHAPED.match(text):  # most hosts: no exception raised and caught to learn that
        return False
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def normalize_linkedin_url(value: Any, kind: str | None = None) -> str | None:
    """Return `https://www.linkedin.com/<in|company>/<slug>` for a LinkedIn profile or company URL."""
    if not isinstance(value, str) or "linkedin.com" not in value.lower() or len(value) > 2048:
        return None
    text = value.strip()
    if "://" not in text:
        text = "https://" + text
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    if not (parts.hostname or "").lower().endswith("linkedin.com"):
        return None
    segments = [s for s in parts.path.split("/") if s]
    if len(segments) < 2 or segments[0].lower() not in ("in", "company", "school", "pub"):
        return None
    section = segments[0].lower()
    if kind is not None and section != kind:
        return None
    return f"https://www.linkedin.com/{section}/{segments[1].lower()}"


def normalize_email(value: Any) -> str | None:
    """Return a lowercase email address, or None when value does not look like one."""
    if not isinstance(value, str):
        return None
    text = value.strip().lower()
    return text if _EMAIL.match(text) else None


def clean_text(value: Any, max_length: int = MAX_TEXT) -> str | None:
    """Return a stripped, non-empty string of bounded length; numbers are not names."""
    if not isinstance(value, str):
        return None
    text = " ".join(value.split())
    if not text or len(text) > max_length or "\x00" in text:
        return None
    return text


class Inputs:
    """An operation's view of its inputs: step parameters first, then the cumulative context."""

    def __init__(self, context: Mapping[str, Any], params: Mapping[str, Any] | None = None) -> None:
        self.context = context if isinstance(context, Mapping) else {}
        self.params = params if isinstance(params, Mapping) else {}

    def raw(self, *names: str) -> Any:
        """Return the first present (non-null) value among names, parameters before context."""
        for source in (self.params, self.context):
            for name in names:
                value = source.get(name)
                if value is not None:
                    return value
        return None

    def _each(self, names: Iterable[str]) -> Iterable[Any]:
        for source in (self.params, self.context):
            for name in names:
                value = source.get(name)
                if value is not None:
                    yield value

    def text(self, *names: str, max_length: int = MAX_TEXT) -> str | None:
        """Return the first clean text among names."""
        for value in self._each(names):
            text = clean_text(value, max_length)
            if text is not None:
                return text
        return None

    def domain(self, *names: str) -> str | None:
        """Return the first value among names that reduces to a valid domain."""
        for value in self._each(names):
            domain = normalize_domain(value)
            if domain is not None:
                return domain
        return None

    def linkedin(self, *names: str, kind: str | None = None) -> str | None:
        """Return the first value among names that is a LinkedIn URL (of `kind` in|company, if given)."""
        for value in self._each(names):
            url = normalize_linkedin_url(value, kind)
            if url is not None:
                return url
        return None

    def email(self, *names: str) -> str | None:
        """Return the first value among names that is an email address."""
        for value in self._each(names):
            email = normalize_email(value)
            if email is not None:
                return email
        return None

    def integer(self, name: str, default: int, *, lo: int, hi: int) -> int:
        """Return an int parameter clamped to [lo, hi]; anything unusable gives default."""
        value = self.raw(name)
        if isinstance(value, bool):
            return default
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            value = int(value.strip())
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if not isinstance(value, int):
            return default
        return max(lo, min(hi, value))

    def number(self, name: str) -> float | None:
        """Return a finite number parameter, or None."""
        value = self.raw(name)
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            return None
        try:
            number = float(value)
        except ValueError:
            return None
        return number if number == number and abs(number) != float("inf") else None

    def flag(self, name: str, default: bool = False) -> bool:
        """Return a boolean parameter (true/false, yes/no, 1/0 accepted)."""
        value = self.raw(name)
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in ("true", "yes", "1"):
            return True
        if isinstance(value, str) and value.strip().lower() in ("false", "no", "0"):
            return False
        return default

    def texts(self, name: str, *, max_items: int = 50) -> list[str]:
        """Return a list of clean texts from a string or a list of strings."""
        value = self.raw(name)
        items: Sequence[Any] = [value] if isinstance(value, str) else value if isinstance(value, list) else []
        cleaned = [t for t in (clean_text(v) for v in items[:max_items]) if t is not None]
        return list(dict.fromkeys(cleaned))

    def mapping(self, name: str) -> dict[str, Any] | None:
        """Return an object parameter, or None."""
        value = self.raw(name)
        return dict(value) if isinstance(value, Mapping) else None

    def full_name(self) -> tuple[str | None, str | None, str | None]:
        """Return (first, last, full) names, deriving the missing ones where possible."""
        first = self.text("first_name", max_length=100)
        last = self.text("last_name", max_length=100)
        full = self.text("full_name", max_length=200)
        if full is None and (first or last):
            full = " ".join(p for p in (first, last) if p)
        if full is not None and (first is None or last is None):
            parts = full.split(" ")
            if len(parts) >= 2:
                first = first or parts[0]
                last = last or " ".join(parts[1:])
        return first, last, full
