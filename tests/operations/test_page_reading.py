"""Reading pages written by hand (not by the sandbox): prices in the words sites use, and every path."""

from __future__ import annotations

import json
from typing import Any

import pytest

from operations.research.page_markup import read_markup
from operations.research.page_reading import price_in, read_g2, read_pricing


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("$49/user/month", (49.0, "USD", "month", "seat")),
        ("$1,200 per year", (1200.0, "USD", "year", "account")),
        ("€29 /mo per seat", (29.0, "EUR", "month", "seat")),
        ("£9.50 per member, billed monthly", (9.5, "GBP", "month", "seat")),
        ("$5 per 1,000 requests per month", (5.0, "USD", "month", "1000_requests")),
        ("99 USD per agent / month", (99.0, "USD", "month", "seat")),
        ("Free forever", (0.0, "", None, "account")),
        ("Contact sales", None),
        ("Trusted by 10,000 teams", None),
    ],
)
def test_prices_in_the_words_sites_use(text: str, expected: Any) -> None:
    assert price_in(text) == expected


def _page(head: str = "", body: str = "") -> str:
    return f"<html><head>{head}</head><body>{body}</body></html>"


def test_json_ld_plans_published_as_products_or_offers() -> None:
    graph = {
        "@context": "https://schema.org",
        "@graph": [
            {
                "@type": "Product",
                "name": "Team",
                "offers": {"@type": "Offer", "price": 12, "priceCurrency": "USD"},
            },
            {"@type": "Offer", "name": "Scale", "price": "30.00", "priceCurrency": "USD"},
        ],
    }
    head = f'<script type="application/ld+json">{json.dumps(graph)}</script><script>var x = 1;</script>'
    found = read_pricing(read_markup(_page(head, "<p>Try it free for 30 days. 30-day free trial.</p>")))
    assert [(p["name"], p["price"]) for p in found.facts["plans"]] == [("Team", 12.0), ("Scale", 30.0)]
    assert found.sources == {
        "plans": "json_ld",
        "enterprise_contact": "json_ld",
        "free_tier": "text",
        "free_trial": "text",
        "trial_days": "text",
    }
    assert found.facts["trial_days"] == 30 and found.facts["free_tier"] is False


def test_a_broken_json_ld_block_falls_back_to_the_text() -> None:
    body = "<h2>Growth</h2><p>$79/month</p><h2>Enterprise</h2><p>Talk to sales</p>"
    found = read_pricing(read_markup(_page('<script type="application/ld+json">{broken</script>', body)))
    assert found.sources["plans"] == "text"
    assert [(p["name"], p["price"], p["contact_sales"]) for p in found.facts["plans"]] == [
        ("Growth", 79.0, False),
        ("Enterprise", None, True),
    ]
    assert found.facts["enterprise_contact"] is True and found.facts["free_trial"] is False


def test_a_comparison_table_with_a_free_plan() -> None:
    table = (
        "<table><tr><th>Tier</th><th>Cost</th></tr>"
        "<tr><td>Hobby</td><td>Free forever</td></tr><tr><td>Pro</td><td>$20 per user per month</td></tr>"
        "</table>"
    )
    found = read_pricing(read_markup(_page(body=table)))
    assert found.sources["plans"] == "table" and found.facts["free_tier"] is True
    assert found.facts["plans"][1] == {
        "name": "Pro",
        "price": 20.0,
        "currency": "USD",
        "billing_period": "month",
        "unit": "seat",
        "contact_sales": False,
    }


def test_a_page_without_plans_says_so() -> None:
    found = read_pricing(read_markup(_page(body="<h1>About us</h1><p>We love customers.</p>")))
    assert "plans" not in found.facts


def test_g2_microdata_rating_and_listed_alternatives() -> None:
    body = (
        '<div itemscope itemtype="https://schema.org/AggregateRating">'
        '<span itemprop="ratingValue">4.6</span> from <span itemprop="reviewCount">1,024</span> reviews</div>'
        "<h3>Categories</h3><ul><li>CRM Software</li><li>Sales Intelligence</li></ul>"
        "<h3>Competitors and Alternatives</h3><ul><li>Acme</li><li>Globex</li></ul>"
    )
    found = read_g2(read_markup(_page(body=body)))
    assert found.facts == {
        "rating": 4.6,
        "review_count": 1024,
        "categories": ["CRM Software", "Sales Intelligence"],
        "alternatives": ["Acme", "Globex"],
    }
    assert found.sources["rating"] == "microdata" and found.sources["alternatives"] == "text"
