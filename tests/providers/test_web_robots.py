"""robots.txt matched as RFC 9309 says, on the RFC's own examples (sections 2.2 and 5) and its edge cases."""

from __future__ import annotations

import pytest

from providers.base import ErrorClass, Outcome, ProviderResult
from providers.web import FETCH_ROBOTS, NAME
from providers.web.fetcher import USER_AGENT, RobotsBook
from providers.web.robots import RobotsRules, normalize, product_token

# RFC 9309 section 5.1, verbatim.
RFC_EXAMPLE = """\
User-Agent: *
Disallow: *.gif$
Disallow: /example/
Allow: /publications/

User-Agent: foobot
Disallow:/
Allow:/example/page.html
Allow:/example/allowed.gif

User-Agent: barbot
User-Agent: bazbot
Disallow: /example/page.html

User-Agent: quxbot

EOF
"""


@pytest.mark.parametrize(
    ("agent", "path", "allowed"),
    [
        # foobot: only the two allowed paths.
        ("foobot", "/example/page.html", True),
        ("foobot", "/example/allowed.gif", True),
        ("foobot", "/example/other.html", False),
        ("foobot", "/", False),
        # barbot and bazbot share one group: everything but /example/page.html.
        ("barbot", "/example/page.html", False),
        ("bazbot", "/example/page.html", False),
        ("bazbot", "/example/allowed.gif", True),  # the * group's *.gif$ is not theirs
        # quxbot has a group with no rules: everything, whatever * says.
        ("quxbot", "/example/page.html", True),
        ("quxbot", "/image.gif", True),
        # Anyone else takes the * group.
        ("otherbot", "/image.gif", False),
        ("otherbot", "/a/b/image.gif", False),
        ("otherbot", "/image.gif?size=2", True),  # $ anchors the end: the query follows .gif
        ("otherbot", "/example/", False),
        ("otherbot", "/publications/paper.html", True),
        ("otherbot", "/", True),
    ],
)
def test_the_rfc_example(agent: str, path: str, allowed: bool) -> None:
    assert RobotsRules.parse(RFC_EXAMPLE).allowed(agent, path) is allowed


def test_the_longest_match_wins_whatever_the_order() -> None:
    # RFC 9309 5.2 (robotparser reads the first matching line, so it would allow the gif).
    rules = RobotsRules.parse(
        "User-Agent: foobot\nAllow: /example/page/\nDisallow: /example/page/disallowed.gif\n"
    )
    assert rules.allowed("foobot", "/example/page/") is True
    assert rules.allowed("foobot", "/example/page/disallowed.gif") is False
    reversed_order = RobotsRules.parse("User-agent: *\nDisallow: /a/b\nAllow: /a\n")
    assert reversed_order.allowed("x", "/a/c") and not reversed_order.allowed("x", "/a/b/c")


def test_an_allow_wins_a_tie() -> None:
    rules = RobotsRules.parse("User-agent: *\nDisallow: /page\nAllow: /page\n")
    assert rules.allowed("x", "/page")
    # Equal in octets, not in text: /pag* and /page are both 5 octets.
    rules = RobotsRules.parse("User-agent: *\nDisallow: /page\nAllow: /pag*\n")
    assert rules.allowed("x", "/page.html")


@pytest.mark.parametrize(
    ("pattern", "path", "matches"),
    [
        ("/", "/anything", True),
        ("/*", "/anything", True),
        ("/$", "/", True),
        ("/$", "/x", False),
        ("/fish", "/fish.html", True),
        ("/fish", "/Fish", False),  # paths are case-sensitive
        ("/fish*", "/fishheads/yummy.html", True),
        ("/fish/", "/fish", False),
        ("/*.php", "/folder/filename.php?parameters", True),
        ("/*.php$", "/filename.php?parameters", False),
        ("/fish*.php", "/fishheads/catfish.php?parameters", True),
        ("/fish*.php", "/Fish.PHP", False),
        ("*/private", "/a/b/private/x", True),
    ],
)
def test_wildcards_and_the_end_anchor(pattern: str, path: str, matches: bool) -> None:
    rules = RobotsRules.parse(f"User-agent: *\nDisallow: {pattern}\n")
    assert rules.allowed("x", path) is not matches


@pytest.mark.parametrize(
    ("path", "normalized"),
    [
        ("/foo/bar?baz=quz", "/foo/bar?baz=quz"),  # RFC 9309 2.2.2's table, row by row
        ("/foo/bar/ツ", "/foo/bar/%E3%83%84"),
        ("/foo/bar/%E3%83%84", "/foo/bar/%E3%83%84"),
        ("/foo/bar/%62%61%7A", "/foo/bar/baz"),
        ("/foo/bar/%e3%83%84", "/foo/bar/%E3%83%84"),
        ("/a%2Fb", "/a%2Fb"),  # an escaped reserved character stays escaped
        ("/a b%", "/a%20b%25"),
    ],
)
def test_paths_are_compared_percent_encoding_normalized(path: str, normalized: str) -> None:
    assert normalize(path) == normalized


def test_encoded_and_unencoded_forms_match_each_other() -> None:
    rules = RobotsRules.parse("User-agent: *\nDisallow: /foo/bar/ツ\nDisallow: /%7Ejoe/\n")
    assert not rules.allowed("x", "https://example.com/foo/bar/%E3%83%84")
    assert not rules.allowed("x", "/~joe/index.html")
    assert rules.allowed("x", "/foo/bar/baz")


def test_our_group_is_chosen_by_product_token_case_insensitively_and_merged() -> None:
    text = (
        "User-agent: *\nDisallow: /\n\n"
        "User-agent: Data-Engine-X/2.1\nDisallow: /private\n\n"
        "User-agent: other\nDisallow: /elsewhere\n\n"
        "user-agent: DATA-ENGINE-X\nDisallow: /secret\n"
    )
    rules = RobotsRules.parse(text)
    assert product_token("ExampleBot/1.0") == "examplebot"
    assert rules.allowed(USER_AGENT, "/pricing")  # our groups, not *, apply
    assert not rules.allowed(USER_AGENT, "/private/x") and not rules.allowed(USER_AGENT, "/secret")
    assert not rules.allowed("someone-else", "/pricing")
    # A token that only starts like ours is not ours.
    assert not RobotsRules.parse(
        "User-agent: data-engine-xl\nAllow: /\nUser-agent: *\nDisallow: /\n"
    ).allowed(USER_AGENT, "/pricing")


def test_several_star_groups_are_merged() -> None:
    rules = RobotsRules.parse("User-agent: *\nDisallow: /a\n\nUser-agent: *\nDisallow: /b\n")
    assert not rules.allowed("x", "/a") and not rules.allowed("x", "/b") and rules.allowed("x", "/c")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "User-agent: *\nDisallow:\n",  # an empty Disallow allows everything
        "User-agent: someone-else\nDisallow: /\n",  # no group for us, and no * group
        "Disallow: /\n",  # a rule outside any group
        "# nothing but comments\n",
    ],
)
def test_no_applicable_rule_allows_everything(text: str) -> None:
    assert RobotsRules.parse(text).allowed(USER_AGENT, "/pricing")


def test_comments_odd_spacing_unknown_lines_and_a_bom_are_read() -> None:
    text = (
        "\ufeffUSER-AGENT :  *   # everyone\r\n"
        "Sitemap: https://example.com/sitemap.xml\r\n"
        "Crawl-delay: 10\r\n"
        "disallow :/private # not this\r\n"
        "not a rule line\r\n"
    )
    rules = RobotsRules.parse(text)
    assert not rules.allowed("x", "/private/a") and rules.allowed("x", "/public")


def test_robots_txt_itself_is_always_allowed() -> None:
    assert RobotsRules.parse("User-agent: *\nDisallow: /\n").allowed("x", "https://example.com/robots.txt")
    assert RobotsRules.disallow_all().allowed("x", "/robots.txt")
    assert not RobotsRules.disallow_all().allowed(USER_AGENT, "/")


def _robots_answer(outcome: Outcome, rules: str | None, status: int) -> ProviderResult:
    data = {"status": status, "rules": rules} if rules is not None else None
    error = ErrorClass.SERVER_ERROR if outcome is not Outcome.FOUND else None
    return ProviderResult(NAME, FETCH_ROBOTS, outcome, data=data, http_status=status, error_class=error)


def test_the_book_reads_a_4xx_as_allow_all_and_an_unreachable_file_as_disallow_all() -> None:
    book = RobotsBook(clock=lambda: 1000.0)
    # parse_fetch_robots gives a 4xx as found with no rules.
    assert book.learn("a.com", _robots_answer(Outcome.FOUND, "", 404)).allowed(USER_AGENT, "/pricing")
    assert book.known("a.com") is not None
    unreachable = book.learn("b.com", _robots_answer(Outcome.RETRYABLE, None, 503))
    assert not unreachable.allowed(USER_AGENT, "/pricing")
    assert book.known("b.com") is None  # not kept: read again on the next fetch
    rules = book.learn("c.com", _robots_answer(Outcome.FOUND, "User-agent: *\nDisallow: /*.pdf$\n", 200))
    assert not rules.allowed(USER_AGENT, "https://c.com/pricing.pdf")
    assert rules.allowed(USER_AGENT, "https://c.com/pricing")
