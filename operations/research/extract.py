"""Pricing and G2 pages read into facts: fetched carefully over the web lane, read markup first.

`company.research.extract_pricing` takes the URL `resolve_pricing_page_url` found, else the
company's domain, whose `https://<domain>/pricing` is then the candidate. `company.research.extract_g2`
takes the URL `resolve_g2_url` found. Fetching is `providers.web.fetcher` (safety, robots.txt,
politeness, redirects, the page cache), every request an attempt of this run.

Reading goes from the most structured to the least: JSON-LD, microdata, tables, then the text's
patterns (`page_reading`). Only the fields these leave missing are asked of a model, OpenAI then
Gemini (`read_page`, structured output restricted to those fields, an attempt of this run like any
provider call). `sources` says which path gave each field: `json_ld`, `microdata`, `table`, `text`,
or `model:<provider>`. Without a model key, the fields only a model could read stay missing, and a
page whose plans (or rating) nothing read is not_found, saying a model key would read it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from operations.contracts.page_intel import G2ExtractOutput, PricingExtractOutput
from operations.research.page_markup import Markup, read_markup
from operations.research.page_reading import Found, read_g2, read_pricing
from operations.runtime import OperationRun, Outcome
from operations.spec import OperationSpec, OperationStatus, need
from operations.waterfall import Plan, Step, as_is, run_plan
from providers.base import Outcome as ProviderOutcome
from providers.web import FETCH_PAGE, FETCH_ROBOTS, NAME
from providers.web.fetcher import Fetched, process_client

DOMAIN_INPUTS = ("company_domain", "company_website")
MODELS = ("openai", "gemini")
READ_ACTION = "read_page"
# Asked only for what the markup and text did not give, once a page was fetched.
READ_PLAN = Plan("first_success", tuple(Step(model, READ_ACTION, as_is) for model in MODELS))
# The web lane's two actions, declared for dry runs and the registry; the fetcher makes the calls.
FETCH_PLAN = Plan(
    "first_success",
    (Step(NAME, FETCH_PAGE, as_is, lookup=Step(NAME, FETCH_ROBOTS, as_is)),),
    then=READ_PLAN,
)
# A pricing page's fields that come with its plans: read together when the plans are missing.
_WITH_PLANS = ("plans", "free_tier", "enterprise_contact")
_G2_FIELDS = ("rating", "review_count", "categories", "alternatives")
_NO_MODEL = "no model answered (set OPENAI_API_KEY or GEMINI_API_KEY to read such pages)"


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


async def _ask_model(
    run: OperationRun, kind: str, fetched: Fetched, markup: Markup, fields: list[str], found: Found
) -> str | None:
    """Ask a model for fields the page's markup and text left missing, folding its facts into found.

    Returns why nothing was added (no model key, or the models' miss), or None when a model answered.
    """
    request = {"page_kind": kind, "page_url": fetched.final_url or fetched.url, "fields": fields}
    answer = await run_plan(run, READ_PLAN, {**request, "page_text": markup.text})
    if answer is None or answer.outcome is ProviderOutcome.SKIPPED:
        return _NO_MODEL
    if answer.outcome is not ProviderOutcome.FOUND:
        return f"the model did not read it: {answer.message or answer.outcome}"
    facts = answer.data or {}
    for name in fields:
        if name in facts:
            found.facts[name] = facts[name]  # the model read what the markup could not
            found.sources[name] = f"model:{answer.provider}"
    return None


def _unread(run: OperationRun, what: str, why: str | None) -> Outcome:
    """A page whose facts nothing read: failed when only a model key was missing, else not found."""
    if why == _NO_MODEL:
        return Outcome(OperationStatus.FAILED, None, f"the markup and text of the page give {what}; {why}")
    return run.miss(f"the page gives {what}" + (f"; {why}" if why else ""))


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
    markup = read_markup(fetched.html)
    found = read_pricing(markup)
    unread: str | None = None
    if not found.facts.get("plans"):
        # Without plans, the text's free tier and enterprise readings are guesses: ask for all three.
        for name in _WITH_PLANS:
            found.facts.pop(name, None)
            found.sources.pop(name, None)
        unread = await _ask_model(run, "pricing", fetched, markup, list(_WITH_PLANS), found)
    plans: list[dict[str, Any]] = found.facts.get("plans") or []
    if not plans:
        return _unread(run, "no plans", unread)
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
    markup = read_markup(fetched.html)
    found = read_g2(markup)
    unread: str | None = None
    missing = [name for name in _G2_FIELDS if name not in found.facts]
    if missing:
        unread = await _ask_model(run, "g2", fetched, markup, missing, found)
    if "rating" not in found.facts and "review_count" not in found.facts:
        return _unread(run, "no rating", unread)
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
