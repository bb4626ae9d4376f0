"""Read pricing and G2 facts out of a page's markup: structured data first, then tables, then the text.

Pure functions over `page_markup.Markup`. Each reader returns the facts it found and, per fact, the
path that produced it (`json_ld`, `microdata`, `table`, `text`), so an operation can say where each
came from and ask a model only for what is still missing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from operations.research.page_markup import Markup

_SYMBOLS = {"$": "USD", "€": "EUR", "£": "GBP"}
_CODES = frozenset({"USD", "EUR", "GBP", "CAD", "AUD", "CHF", "JPY", "INR"})
_PRICE = re.compile(
    r"(?P<sym>[$€£])\s?(?P<amount>\d[\d,]*(?:\.\d+)?)(?P<rest>[^\n]{0,60})"
    r"|(?P<amount2>\d[\d,]*(?:\.\d+)?)\s?(?P<code>USD|EUR|GBP)(?P<rest2>[^\n]{0,60})"
)
_CONTACT = re.compile(
    r"\b(contact (?:sales|us)|talk to sales|custom pricing|request a quote|get a quote)\b", re.I
)
_FREE = re.compile(r"\bfree (?:forever|plan|tier)\b|^free$", re.I)
_TRIAL_DAYS = re.compile(r"\b(\d{1,3})[- ]day (?:free )?trial\b", re.I)
_TRIAL = re.compile(r"\bfree trial\b|\btry (?:it )?(?:for )?free\b", re.I)
_RATING = re.compile(r"\b([0-5](?:\.\d)?) out of 5\b", re.I)
_REVIEWS = re.compile(r"\b([\d,]+) reviews?\b", re.I)
_LISTED = re.compile(r"^(categories|top (?:[\w&' .-]+ )?alternatives|competitors)\s*:\s*(.*)$", re.I)


@dataclass(slots=True)
class Found:
    """Facts read so far and the path that gave each."""

    facts: dict[str, Any] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)

    def put(self, name: str, value: Any, source: str) -> None:
        """Keep value for name unless an earlier (more structured) path already gave it."""
        if value is None or name in self.facts:
            return
        self.facts[name] = value
        self.sources[name] = source


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        cleaned = re.sub(r"[^\d.]", "", value.replace(",", ""))
        try:
            return float(cleaned) if cleaned else None
        except ValueError:
            return None
    return None


def _period(text: str | None) -> str | None:
    if not text:
        return None
    low = text.lower()
    if low in ("p1m", "mon") or re.search(r"\b(month|mo|monthly)\b", low):
        return "month"
    if low in ("p1y", "ann") or re.search(r"\b(year|yr|annual|annually|yearly)\b", low):
        return "year"
    return None


def _unit(text: str | None) -> str:
    low = (text or "").lower()
    if re.search(r"\b(user|seat|member|editor|agent)s?\b", low):
        return "seat"
    if re.search(r"\b1,?000 (requests|calls|events|credits)\b|\b1k (requests|calls|events)\b", low):
        return "1000_requests"
    return "account"


def _plan(
    name: str, price: float | None, currency: str | None, period: str | None, unit: str
) -> dict[str, Any]:
    priced = bool(price)  # "Free" and "Contact sales" state no currency, period or unit
    return {
        "name": name,
        "price": price,
        "currency": currency if priced else None,
        "billing_period": (period or "month") if priced else None,
        "unit": unit if priced else None,
        "contact_sales": price is None,
    }


def price_in(text: str) -> tuple[float, str, str | None, str] | None:
    """Read the first price in text: amount, currency, billing period and unit (`$49/user/month`)."""
    if _FREE.search(text):
        return 0.0, "", _period(text), _unit(text)
    match = _PRICE.search(text)
    if match is None:
        return None
    if match.group("sym"):
        amount, currency, rest = match.group("amount"), _SYMBOLS[match.group("sym")], match.group("rest")
    else:
        amount, currency, rest = match.group("amount2"), match.group("code"), match.group("rest2")
    value = _number(amount)
    if value is None:
        return None
    return value, currency, _period(rest), _unit(rest)


def _types(obj: dict[str, Any]) -> set[str]:
    kind = obj.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return {str(k).rsplit("/", 1)[-1] for k in kinds if k}


def _offer_plan(offer: dict[str, Any]) -> dict[str, Any] | None:
    name = offer.get("name")
    if not isinstance(name, str) or not name.strip():
        return None
    spec = offer.get("priceSpecification")
    spec = spec[0] if isinstance(spec, list) and spec else spec
    spec = spec if isinstance(spec, dict) else {}
    price = _number(offer.get("price", spec.get("price")))
    currency = offer.get("priceCurrency") or spec.get("priceCurrency")
    quantity = spec.get("referenceQuantity")
    unit_code = quantity.get("unitCode") if isinstance(quantity, dict) else None
    period = _period(spec.get("billingDuration")) or _period(unit_code)
    unit = _unit(spec.get("unitText") or offer.get("unitText"))
    return _plan(name.strip(), price, currency if isinstance(currency, str) else None, period, unit)


def _plans_json_ld(markup: Markup) -> list[dict[str, Any]]:
    plans = []
    named: set[int] = set()
    for obj in markup.json_ld:
        # A plan published as a Product of its own carries its name there, its price on the offer.
        offer = obj.get("offers")
        if "Product" not in _types(obj) or not isinstance(offer, dict) or offer.get("name"):
            continue
        if (plan := _offer_plan({**offer, "name": obj.get("name")})) is not None:
            plans.append(plan)
            named.add(id(offer))
    for obj in markup.json_ld:
        if "Offer" in _types(obj) and id(obj) not in named and (plan := _offer_plan(obj)) is not None:
            plans.append(plan)
    return plans


def _plans_microdata(markup: Markup) -> list[dict[str, Any]]:
    plans = []
    for item in markup.items:
        if item.type != "Offer" or not item.props.get("name"):
            continue
        props = item.props
        plan = _plan(
            props["name"],
            _number(props.get("price")),
            props.get("priceCurrency") or None,
            _period(props.get("billingDuration")),
            _unit(props.get("unitText")),
        )
        plans.append(plan)
    return plans


def _plans_table(markup: Markup) -> list[dict[str, Any]]:
    for table in markup.tables:
        plans = []
        for row in table:
            if len(row) < 2 or row[0].lower() in ("plan", "plans", "tier", "edition"):
                continue
            cells = " | ".join(row[1:])
            price = price_in(cells)
            if price is not None:
                amount, currency, period, unit = price
                plans.append(_plan(row[0], amount, currency or None, period, unit))
            elif _CONTACT.search(cells):
                plans.append(_plan(row[0], None, None, None, "account"))
        if plans:
            return plans
    return []


def _plans_text(markup: Markup) -> list[dict[str, Any]]:
    """Pair each short heading with the price (or contact line) in the blocks that follow it."""
    plans = []
    blocks = markup.blocks
    for index, (_, heading) in enumerate(blocks):
        if not markup.is_heading(index) or len(heading) > 40:
            continue
        for following in range(index + 1, min(index + 4, len(blocks))):
            if markup.is_heading(following):
                break
            text = blocks[following][1]
            price = price_in(text)
            if price is not None:
                amount, currency, period, unit = price
                plans.append(_plan(heading, amount, currency or None, period, unit))
                break
            if _CONTACT.search(text) and len(text) < 80:
                plans.append(_plan(heading, None, None, None, "account"))
                break
    return plans


def read_pricing(markup: Markup) -> Found:
    """Read plans, free tier, trial and enterprise contact from a pricing page."""
    found = Found()
    for source, reader in (
        ("json_ld", _plans_json_ld),
        ("microdata", _plans_microdata),
        ("table", _plans_table),
        ("text", _plans_text),
    ):
        plans = reader(markup)
        if plans:
            found.put("plans", plans, source)
            found.put("free_tier", any(p["price"] == 0 for p in plans) or None, source)
            found.put("enterprise_contact", any(p["contact_sales"] for p in plans), source)
            break
    text = markup.text
    found.put("free_tier", bool(_FREE.search(text)), "text")
    days = _TRIAL_DAYS.search(text)
    found.put("free_trial", bool(days or _TRIAL.search(text)), "text")
    if days:
        found.put("trial_days", int(days.group(1)), "text")
    return found


def _list_after(markup: Markup, heading: re.Pattern[str]) -> list[str] | None:
    """Return the list items under the first heading matching heading ([] when it lists none), or None."""
    blocks = markup.blocks
    listed: list[str] | None = None
    for index, (_, text) in enumerate(blocks):
        if markup.is_heading(index) and heading.search(text):
            items: list[str] = []
            for position in range(index + 1, len(blocks)):
                tag, item = blocks[position]
                if tag == "li":
                    items.append(item)
                elif items or markup.is_heading(position):
                    break
            if items:
                return items
            listed = []  # the heading is there, with nothing under it: the page lists none
    return listed


def read_g2(markup: Markup) -> Found:
    """Read rating, review count, categories and alternatives from a G2-style product page."""
    found = Found()
    for obj in markup.json_ld:
        rating = obj if "AggregateRating" in _types(obj) else obj.get("aggregateRating")
        if isinstance(rating, dict):
            found.put("rating", _number(rating.get("ratingValue")), "json_ld")
            count = _number(rating.get("reviewCount") or rating.get("ratingCount"))
            found.put("review_count", int(count) if count is not None else None, "json_ld")
    for item in markup.items:
        if item.type == "AggregateRating":
            found.put("rating", _number(item.props.get("ratingValue")), "microdata")
            count = _number(item.props.get("reviewCount"))
            found.put("review_count", int(count) if count is not None else None, "microdata")
    text = markup.text
    if (rating := _RATING.search(text)) is not None:
        found.put("rating", float(rating.group(1)), "text")
    if (reviews := _REVIEWS.search(text)) is not None:
        found.put("review_count", int(reviews.group(1).replace(",", "")), "text")
    found.put("categories", _list_after(markup, re.compile(r"^categor", re.I)), "text")
    found.put("alternatives", _list_after(markup, re.compile(r"alternatives|competitors", re.I)), "text")
    for _, line in markup.blocks:
        listed = _LISTED.match(line)
        if listed is not None:
            names = [n.strip() for n in listed.group(2).split(",") if n.strip()]
            key = "categories" if listed.group(1).lower().startswith("categor") else "alternatives"
            found.put(key, names, "text")
    return found
