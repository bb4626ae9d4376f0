"""Pricing and G2 pages read into facts: fetched carefully over the web lane, read markup first.

`company.research.extract_pricing` takes the URL `resolve_pricing_page_url` found, else the
company's domain, whose `https://<domain>/pricing` is then the candidate. `company.research.extract_g2`
takes the URL `resolve_g2_url` found. Fetching is `providers.web.fetcher` (safety, robots.txt,
politeness, redirects, the page cache), every request an attempt of this run. Each fact says which
path read it; a page the markup and text say nothing useful about is not_found (no model is asked yet).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from operations.contracts.page_intel import G2ExtractOutput, PricingExtractOutput
from operations.research.page_markup import read_markup
from operations.research.page_reading import Found, read_g2, read_pricing
from operations.runtime import OperationRun, Outcome
from operations.spec import OperationSpec, OperationStatus, need
from operations.waterfall import Plan, Step, as_is
from providers.web import FETCH_PAGE, FETCH_ROBOTS, NAME
from providers.web.fetcher import Fetched, process_client

DOMAIN_INPUTS = ("company_domain", "company_website")
# The web lane's two actions, declared for dry runs and the registry; the fetcher makes the calls.
FETCH_PLAN = Plan("first_success", (Step(NAME, FETCH_PAGE, as_is, lookup=Step(NAME, FETCH_ROBOTS, as_is)),))


async def _fetch(run: OperationRun, url: str) -> Fetched:
    return await process_client().fetch(run.call, url)


def _when(fetched: Fetched) -> str | None:
    if fetched.fetched_at is None:
        return None
    return datetime.fromtimestamp(fetched.fetched_at, UTC).isoformat()


def _no_page(run: OperationRun, fetched: Fetched) -> Outcome:
    if fetched.refused is not None:
        return Outcome(OperationStatus.FAILED, None, f"page not fetched: {fetched.refused}")
    return run.miss(f"no page at {fetched.url}")


def _url_input(run: OperationRun, name: str) -> str | None:
    value = run.inputs.text(name, max_length=2000)
    return value if value is not None and value.lower().startswith(("http://", "https://")) else None


async def extract_pricing(run: OperationRun) -> Outcome:
    """Fetch the pricing page (or `https://<domain>/pricing`) and read its plans."""
    url = _url_input(run, "pricing_page_url")
    if url is None:
        domain = run.inputs.domain(*DOMAIN_INPUTS)
        if domain is None:
            return run.unusable("neither pricing_page_url nor a company domain is usable")
        url = f"https://{domain}/pricing"
    fetched = await _fetch(run, url)
    if fetched.html is None:
        return _no_page(run, fetched)
    found = read_pricing(read_markup(fetched.html))
    plans: list[dict[str, Any]] = found.facts.get("plans") or []
    if not plans:
        return Outcome(OperationStatus.NOT_FOUND, None, "the page shows no plans")
    output = {
        "pricing_page_url": url,
        "final_url": fetched.final_url,
        "fetched_at": _when(fetched),
        "plans": plans,
        "plan_count": len(plans),
        **{k: found.facts.get(k) for k in ("free_tier", "free_trial", "trial_days", "enterprise_contact")},
        "sources": found.sources,
    }
    return Outcome(OperationStatus.FOUND, output)


def _g2_output(url: str, fetched: Fetched, found: Found) -> dict[str, Any]:
    return {
        "g2_url": url,
        "final_url": fetched.final_url,
        "fetched_at": _when(fetched),
        "rating": found.facts.get("rating"),
        "review_count": found.facts.get("review_count"),
        "categories": found.facts.get("categories") or [],
        "alternatives": found.facts.get("alternatives") or [],
        "sources": found.sources,
    }


async def extract_g2(run: OperationRun) -> Outcome:
    """Fetch the company's G2 page and read its rating, review count, categories and alternatives."""
    url = _url_input(run, "g2_url")
    if url is None:
        return run.unusable("g2_url is not an http(s) URL")
    fetched = await _fetch(run, url)
    if fetched.html is None:
        return _no_page(run, fetched)
    found = read_g2(read_markup(fetched.html))
    if "rating" not in found.facts and "review_count" not in found.facts:
        return Outcome(OperationStatus.NOT_FOUND, None, "the page shows no rating")
    return Outcome(OperationStatus.FOUND, _g2_output(url, fetched, found))


OPERATIONS = [
    OperationSpec(
        id="company.research.extract_pricing",
        description="Read a company's pricing page: plans, prices, free tier, trial, enterprise contact.",
        output=PricingExtractOutput,
        run=extract_pricing,
        requires=(need("pricing_page_url", *DOMAIN_INPUTS),),
        plan=FETCH_PLAN,
    ),
    OperationSpec(
        id="company.research.extract_g2",
        description="Read a company's G2 page: rating, review count, categories, top alternatives.",
        output=G2ExtractOutput,
        run=extract_g2,
        requires=(need("g2_url"),),
        plan=FETCH_PLAN,
    ),
]
