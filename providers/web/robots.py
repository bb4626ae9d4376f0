"""robots.txt as RFC 9309 reads it: our group by product token, then the longest matching rule.

What `urllib.robotparser` gets wrong for us, and this module does as the RFC says:
- group selection (2.2.1): the groups naming our product token (case-insensitive) apply, merged when
  there are several; only when none names us do the `*` groups apply (merged too); with neither, no
  rule applies. A group naming us with no rules therefore allows everything, whatever `*` says;
- the most specific rule wins (2.2.2): of the allow and disallow rules matching a path, the one with
  the most octets decides, and an allow wins a tie (robotparser takes the first rule in file order);
- special characters (2.2.3): `*` matches any run of characters and a trailing `$` anchors the end
  (robotparser takes both literally);
- paths are compared percent-encoding-normalized (2.2.2): non-ASCII and unsafe characters encoded as
  UTF-8 octets, escapes of unreserved characters decoded, other escapes upper-cased;
- an empty `Allow:` or `Disallow:` is no rule at all, and `/robots.txt` itself is always allowed.
Lines are `key: value`, `#` starts a comment, keys are case-insensitive, and anything that is not
`user-agent`, `allow` or `disallow` (sitemap, crawl-delay…) is ignored without ending a group.

What a fetch status means (4xx: no rules; 5xx or unreachable: everything disallowed) is the web
adapter's and the fetcher's (`providers/web/__init__.py`, `providers/web/fetcher.py`).
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from urllib.parse import urlsplit

_UNRESERVED = frozenset(string.ascii_letters + string.digits + "-._~")
_HEX = frozenset(string.hexdigits)
_TOKEN = re.compile(r"[A-Za-z_-]+")


def normalize(path: str) -> str:
    """Return path percent-encoding-normalized for comparison (RFC 9309 2.2.2).

    Escapes of unreserved characters are decoded (`%62` is `b`), other escapes are upper-cased (`%e3`
    is `%E3`), and characters outside printable ASCII are UTF-8 percent-encoded (`ツ` is `%E3%83%84`).
    Reserved characters (and the rules' `*` and `$`) are left as they are.
    """
    out: list[str] = []
    index = 0
    while index < len(path):
        char = path[index]
        if char == "%" and index + 2 < len(path) and set(path[index + 1 : index + 3]) <= _HEX:
            decoded = chr(int(path[index + 1 : index + 3], 16))
            out.append(decoded if decoded in _UNRESERVED else "%" + path[index + 1 : index + 3].upper())
            index += 3
            continue
        if char == "%" or not ("!" <= char <= "~"):  # a stray %, a space, a control or non-ASCII
            out.append("".join(f"%{octet:02X}" for octet in char.encode("utf-8")))
        else:
            out.append(char)
        index += 1
    return "".join(out)


@dataclass(frozen=True, slots=True)
class Rule:
    """One allow or disallow line: its normalized pattern, compiled with `*` and a final `$`."""

    allow: bool
    pattern: str
    regex: re.Pattern[str]

    @classmethod
    def of(cls, allow: bool, value: str) -> Rule:
        """Compile a rule's path pattern."""
        pattern = normalize(value)
        anchored = pattern.endswith("$")
        body = pattern[:-1] if anchored else pattern
        expression = ".*".join(re.escape(part) for part in body.split("*"))
        return cls(allow, pattern, re.compile(expression + (r"\Z" if anchored else ""), re.DOTALL))

    def matches(self, path: str) -> bool:
        """Return whether the rule matches a normalized path (from its start)."""
        return self.regex.match(path) is not None


@dataclass(frozen=True, slots=True)
class Group:
    """The rules under one or more user-agent lines."""

    agents: tuple[str, ...]  # as written, lower-cased
    rules: tuple[Rule, ...]


def product_token(agent: str) -> str:
    """Return the product token of a user-agent value, lower-cased (`ExampleBot/1.0` is `examplebot`)."""
    found = _TOKEN.match(agent.strip())
    return found.group(0).lower() if found else ""


@dataclass(frozen=True, slots=True)
class RobotsRules:
    """A host's robots.txt, parsed: answers whether a product token may fetch a URL."""

    groups: tuple[Group, ...] = ()

    @classmethod
    def parse(cls, text: str) -> RobotsRules:
        """Parse robots.txt text into its groups; lines it cannot read are skipped."""
        groups: list[Group] = []
        agents: list[str] = []
        rules: list[Rule] = []
        in_rules = False  # a user-agent line after rules starts the next group
        for raw in text.removeprefix("\ufeff").splitlines():
            line = raw.split("#", 1)[0]
            key, colon, value = line.partition(":")
            if not colon:
                continue
            key, value = key.strip().lower(), value.strip()
            if key in ("user-agent", "useragent"):
                if in_rules:
                    groups.append(Group(tuple(agents), tuple(rules)))
                    agents, rules, in_rules = [], [], False
                agents.append(value.lower())
            elif key in ("allow", "disallow"):
                if not agents:
                    continue  # rules before any user-agent line belong to no group
                in_rules = True
                if value:  # an empty value is no rule (`Disallow:` allows everything)
                    rules.append(Rule.of(key == "allow", value))
        if agents:
            groups.append(Group(tuple(agents), tuple(rules)))
        return cls(tuple(groups))

    @classmethod
    def disallow_all(cls) -> RobotsRules:
        """The rules of a host whose robots.txt cannot be read: nothing may be fetched (RFC 9309 2.3.1.4)."""
        return cls((Group(("*",), (Rule.of(False, "/"),)),))

    def rules_for(self, agent: str) -> tuple[Rule, ...]:
        """Return the rules that apply to agent's product token: its groups merged, else the `*` groups."""
        token = product_token(agent)
        named = [g for g in self.groups if any(a != "*" and product_token(a) == token for a in g.agents)]
        chosen = named or [g for g in self.groups if "*" in g.agents]
        return tuple(rule for group in chosen for rule in group.rules)

    def allowed(self, agent: str, url: str) -> bool:
        """Return whether agent may fetch url (absolute, or a path with any query)."""
        parts = urlsplit(url)
        path = normalize((parts.path or "/") + (f"?{parts.query}" if parts.query else ""))
        if path == "/robots.txt":
            return True
        best: Rule | None = None
        for rule in self.rules_for(agent):
            if not rule.matches(path):
                continue
            if (
                best is None
                or len(rule.pattern) > len(best.pattern)
                or (len(rule.pattern) == len(best.pattern) and rule.allow)
            ):
                best = rule
        return best is None or best.allow
