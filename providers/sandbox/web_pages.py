"""The sandbox's web: each world company's pricing page and G2 page, their truth, and how they are laid out.

The truth (plans, prices, trial, rating, categories, alternatives) is drawn from the world's own
pricing facts and relations with a per-company random stream, so tests compute the same truth the
sandbox rendered. Pricing pages come in five layouts (JSON-LD, microdata, a table, plan cards in the
text, and prose), G2 pages in three (JSON-LD, labelled text, prose); the layout is the company's. The
prose layouts say their facts in sentences ("Pro costs 49 dollars per user each month") that no
markup or pattern gives: only a model reads them, as on many real pages.
"""

from __future__ import annotations

import hashlib
import html
import json
import random
from dataclasses import dataclass

from providers.sandbox.world import World
from providers.sandbox.world_companies import Company

PRICING_LAYOUTS = ("json_ld", "microdata", "table", "text", "prose")
G2_LAYOUTS = ("json_ld", "text", "prose")
_NAMES = {
    "generic": ("Starter", "Pro", "Business", "Premium"),
    "persona_based": ("Solo", "Team", "Company", "Agency"),
    "feature_based": ("Basic", "Plus", "Advanced", "Ultimate"),
    "other": ("Spark", "Flow", "Summit", "Orbit"),
}
_CURRENCY = {"GB": "GBP", "DE": "EUR", "FR": "EUR", "ES": "EUR", "IT": "EUR", "NL": "EUR", "IE": "EUR"}
SYMBOL = {"USD": "$", "EUR": "€", "GBP": "£"}
_UNIT = {"seat_based": "seat", "usage_based": "1000_requests"}
UNIT_WORDS = {"seat": "user", "1000_requests": "1,000 requests", "account": None}
_STARTS = (9, 12, 15, 19, 25, 29, 39, 49)
_MONEY_WORDS = {"USD": "dollars", "EUR": "euros", "GBP": "pounds"}
_UNIT_PHRASES = {"seat": " per user", "1000_requests": " per 1,000 requests", "account": ""}


@dataclass(frozen=True, slots=True)
class Plan:
    """One plan as the page shows it; price None means "contact sales".

    Currency, period and unit belong to a price: a free or contact-sales plan states none.
    """

    name: str
    price: float | None
    currency: str
    billing_period: str  # month | year
    unit: str  # seat | account | 1000_requests
    contact_sales: bool = False

    def facts(self) -> dict[str, object]:
        """Return the plan as extraction should read it."""
        priced = bool(self.price)
        return {
            "name": self.name,
            "price": self.price,
            "currency": self.currency if priced else None,
            "billing_period": self.billing_period if priced else None,
            "unit": self.unit if priced else None,
            "contact_sales": self.contact_sales,
        }


@dataclass(frozen=True, slots=True)
class PricingTruth:
    """What a company's pricing page says."""

    domain: str
    layout: str
    plans: tuple[Plan, ...]
    free_tier: bool
    free_trial: bool
    trial_days: int | None
    enterprise_contact: bool
    robots_blocked: bool  # its robots.txt disallows /pricing
    redirected: bool  # /pricing answers 301 to /plans


@dataclass(frozen=True, slots=True)
class G2Truth:
    """What a company's G2 page says."""

    slug: str
    layout: str
    rating: float
    review_count: int
    categories: tuple[str, ...]
    alternatives: tuple[str, ...]


def _rng(world: World, topic: str, company: Company) -> random.Random:
    return random.Random(f"{world.seed}:web:{topic}:{company.index}")


def pricing_truth(world: World, company: Company) -> PricingTruth | None:
    """Return what the company's pricing page says, or None when it has none."""
    facts = company.pricing
    if facts is None or company.pricing_page_url is None:
        return None
    rng = _rng(world, "pricing", company)
    layout = PRICING_LAYOUTS[company.index % len(PRICING_LAYOUTS)]
    currency = _CURRENCY.get(company.hq_country_code, "USD")
    period = "year" if facts.billing_default == "annual" else "month"
    unit = _UNIT.get(facts.pricing_model, "account")
    tiers = 4 if facts.number_of_tiers == "4+" else int(facts.number_of_tiers)
    names = _NAMES[facts.plan_naming_style][:tiers]
    hidden = facts.pricing_visibility == "hidden"
    free_tier = not hidden and rng.random() < 0.35
    price = float(rng.choice(_STARTS))
    plans: list[Plan] = []
    for position, name in enumerate(names):
        if position == 0 and free_tier:
            plans.append(Plan("Free", 0.0, currency, period, unit))
            continue
        shown = not hidden and not (facts.pricing_visibility == "partial" and position == len(names) - 1)
        plans.append(Plan(name, price if shown else None, currency, period, unit, contact_sales=not shown))
        price = float(round(price * rng.choice((2, 2.5, 3)) / 10) * 10 - 1)
    enterprise = facts.enterprise_tier_exists == "yes"
    if enterprise:
        plans.append(Plan("Enterprise", None, currency, period, unit, contact_sales=True))
    trial = facts.free_trial == "yes"
    return PricingTruth(
        domain=company.domain,
        layout=layout,
        plans=tuple(plans),
        free_tier=free_tier,
        free_trial=trial,
        trial_days=rng.choice((7, 14, 30)) if trial else None,
        enterprise_contact=any(p.contact_sales for p in plans),
        robots_blocked=company.index % 11 == 5,
        redirected=company.index % 7 == 3,
    )


def g2_truth(world: World, company: Company) -> G2Truth | None:
    """Return what the company's G2 page says, or None when it has none."""
    if company.g2_url is None:
        return None
    rng = _rng(world, "g2", company)
    rivals = list(company.competitors) or [domain for domain, _ in company.similar]
    names = [brief.name for d in rivals[:4] if (brief := world.brief(d)) is not None]
    categories = tuple(dict.fromkeys((f"{company.industry} Software", *company.specialties[:2])))
    return G2Truth(
        slug=company.g2_url.rstrip("/").split("/")[-2],
        layout=G2_LAYOUTS[(company.index // 4) % len(G2_LAYOUTS)],
        rating=round(rng.uniform(3.6, 4.9), 1),
        review_count=rng.randint(12, 2500),
        categories=categories,
        alternatives=tuple(names),
    )


def price_text(plan: Plan) -> str:
    """Say a plan's price as a page does: `$49/user/month`, `Free forever`, `Contact sales`."""
    if plan.price is None:
        return "Contact sales"
    if plan.price == 0:
        return "Free forever"
    amount = f"{SYMBOL[plan.currency]}{plan.price:g}"
    per = UNIT_WORDS[plan.unit]
    return f"{amount}/{per}/{plan.billing_period}" if per else f"{amount}/{plan.billing_period}"


def _page(title: str, head: str, body: str) -> str:
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<title>{html.escape(title)}</title>{head}</head><body>"
        "<nav><a href=/>Home</a> <a href=/product>Product</a> <a href=/pricing>Pricing</a>"
        " <a href=/blog>Blog</a></nav>"
        f"<main>{body}</main><footer><p>© {html.escape(title)}. All rights reserved."
        " <a href=/privacy>Privacy</a></p></footer></body></html>"
    )


def _trial_line(truth: PricingTruth) -> str:
    if truth.free_trial:
        return f"<p class=cta>Start your {truth.trial_days}-day free trial. No credit card required.</p>"
    return "<p class=cta>Book a demo with our team to see it in action.</p>"


def _json_ld(company: Company, truth: PricingTruth) -> str:
    offers = []
    for plan in truth.plans:
        offer: dict[str, object] = {"@type": "Offer", "name": plan.name, "priceCurrency": plan.currency}
        if plan.price is None:
            offer["description"] = "Contact sales for a quote"
        else:
            offer["price"] = f"{plan.price:g}"
            spec: dict[str, object] = {
                "@type": "UnitPriceSpecification",
                "price": f"{plan.price:g}",
                "priceCurrency": plan.currency,
                "billingDuration": "P1M" if plan.billing_period == "month" else "P1Y",
            }
            if UNIT_WORDS[plan.unit]:
                spec["unitText"] = UNIT_WORDS[plan.unit]
            offer["priceSpecification"] = spec
        offers.append(offer)
    doc = {"@context": "https://schema.org", "@type": "Product", "name": company.name, "offers": offers}
    return f'<script type="application/ld+json">{json.dumps(doc)}</script>'


def _cards(truth: PricingTruth) -> str:
    return "".join(
        f"<div class=plan><h3>{html.escape(p.name)}</h3><p class=price>{html.escape(price_text(p))}</p>"
        "<ul><li>Unlimited projects</li><li>Email support</li></ul></div>"
        for p in truth.plans
    )


def _microdata(truth: PricingTruth) -> str:
    cards = []
    for p in truth.plans:
        inner = f'<h3 itemprop="name">{html.escape(p.name)}</h3>'
        inner += f'<meta itemprop="priceCurrency" content="{p.currency}">'
        if p.price is None:
            inner += '<p itemprop="description">Contact sales</p>'
        else:
            duration = "P1M" if p.billing_period == "month" else "P1Y"
            inner += (
                f'<p><span itemprop="price" content="{p.price:g}">{SYMBOL[p.currency]}{p.price:g}</span>'
                f'<meta itemprop="billingDuration" content="{duration}">'
            )
            if UNIT_WORDS[p.unit]:
                inner += f' per <span itemprop="unitText">{UNIT_WORDS[p.unit]}</span>'
            inner += f" per {p.billing_period}</p>"
        cards.append(f'<div class=plan itemscope itemtype="https://schema.org/Offer">{inner}</div>')
    return "".join(cards)


def _table(truth: PricingTruth) -> str:
    rows = "".join(
        f"<tr><td>{html.escape(p.name)}</td><td>{html.escape(price_text(p))}</td><td>Unlimited</td></tr>"
        for p in truth.plans
    )
    head = "<thead><tr><th>Plan</th><th>Price</th><th>Projects</th></tr></thead>"
    return f"<table class=compare>{head}<tbody>{rows}</tbody></table>"


def plan_sentence(plan: Plan, variant: int) -> str:
    """Say a plan in a sentence, as a prose page does (no currency sign, no pattern a reader keys on)."""
    if plan.price is None:
        return (
            f"{plan.name} is priced for each customer: speak with our team about an agreement that fits.",
            f"For {plan.name}, we agree a price with you once we understand your needs.",
        )[variant % 2]
    if plan.price == 0:
        return (
            f"The {plan.name} edition costs nothing, for as long as you like.",
            f"Anyone can use {plan.name} without paying anything.",
        )[variant % 2]
    amount = f"{plan.price:g} {_MONEY_WORDS[plan.currency]}{_UNIT_PHRASES[plan.unit]}"
    return (
        f"{plan.name} costs {amount} each {plan.billing_period}.",
        f"Teams that choose {plan.name} pay {amount} every {plan.billing_period}.",
    )[variant % 2]


def _prose(truth: PricingTruth) -> str:
    return "".join(
        f"<p>{html.escape(plan_sentence(plan, position + len(truth.domain)))}</p>"
        for position, plan in enumerate(truth.plans)
    )


def pricing_html(company: Company, truth: PricingTruth) -> str:
    """Render the company's pricing page in its layout."""
    head = _json_ld(company, truth) if truth.layout == "json_ld" else ""
    if truth.layout == "prose":
        plans = _prose(truth)
    elif truth.layout == "microdata":
        plans = _microdata(truth)
    elif truth.layout == "table":
        plans = _table(truth)
    else:
        plans = _cards(truth)
    body = (
        f"<h1>{html.escape(company.name)} pricing</h1><p>Simple plans that grow with your team.</p>"
        f"{plans}{_trial_line(truth)}"
        "<section class=faq><h2>FAQ</h2><p>Can I change plans later? Yes, at any time.</p></section>"
    )
    return _page(f"Pricing | {company.name}", head, body)


def g2_html(company: Company, truth: G2Truth) -> str:
    """Render the company's G2 reviews page in its layout."""
    cats = "".join(f"<li>{html.escape(c)}</li>" for c in truth.categories)
    alts = "".join(f"<li>{html.escape(a)}</li>" for a in truth.alternatives)
    if truth.layout == "json_ld":
        doc = {
            "@context": "https://schema.org",
            "@type": "Product",
            "name": company.name,
            "aggregateRating": {
                "@type": "AggregateRating",
                "ratingValue": f"{truth.rating}",
                "reviewCount": truth.review_count,
                "bestRating": "5",
            },
        }
        head = f'<script type="application/ld+json">{json.dumps(doc)}</script>'
        body = (
            f"<h1>{html.escape(company.name)} Reviews</h1>"
            f"<h2>Categories</h2><ul class=categories>{cats}</ul>"
            f"<h2>Top {html.escape(company.name)} Alternatives</h2><ul class=alternatives>{alts}</ul>"
        )
    elif truth.layout == "prose":
        head = ""
        body = (
            f"<h1>{html.escape(company.name)} Reviews &amp; Product Details</h1>"
            f"<p>Reviewers rate {html.escape(company.name)} {truth.rating} stars on average, across "
            f"{truth.review_count:,} ratings from verified users.</p>"
            f"<p>You will find it listed under {html.escape(_series(truth.categories))}.</p>"
            f"<p>Buyers weighing it up often compare it with {html.escape(_series(truth.alternatives))}.</p>"
        )
    else:
        head = ""
        body = (
            f"<h1>{html.escape(company.name)} Reviews &amp; Product Details</h1>"
            f"<p>{truth.rating} out of 5 stars</p><p>Based on {truth.review_count:,} reviews</p>"
            f"<p>Categories: {html.escape(', '.join(truth.categories))}</p>"
            f"<p>Top alternatives: {html.escape(', '.join(truth.alternatives))}</p>"
        )
    return _page(f"{company.name} Reviews 2026 | G2", head, body)


def _series(names: tuple[str, ...]) -> str:
    """Join names as a sentence does: `A`, `A and B`, `A, B and C`; `no other product` when empty."""
    if not names:
        return "no other product"
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def robots_txt(truth: PricingTruth | None) -> str:
    """A company site's robots.txt: private paths always, its pricing page for a few."""
    lines = ["User-agent: *", "Disallow: /internal/", "Disallow: /admin"]
    if truth is not None and truth.robots_blocked:
        lines += ["Disallow: /pricing", "Disallow: /plans"]
    return "\n".join(lines) + "\n"


G2_ROBOTS = "User-agent: *\nDisallow: /search\nDisallow: /users/\n"


def etag_of(body: bytes) -> str:
    """Return a strong ETag for a body."""
    return '"' + hashlib.blake2b(body, digest_size=8).hexdigest() + '"'
