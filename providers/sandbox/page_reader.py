"""The sandbox models' page reading: a `Task: read_page` prompt answered with what the page truly says.

The sandboxed OpenAI and Gemini read a page as a capable model would: they answer the fields asked
for, and only those, with the facts of the world's page at that URL (its pricing page, or its G2
page), so an extraction that asks the model for what the markup did not give gets the page's truth.
A URL the world has no page for is answered with nulls, as a model finding nothing would.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from providers._page_prompts import PagePrompt, read_prompt
from providers.sandbox.web_pages import g2_truth, pricing_truth
from providers.sandbox.world import World


def _pricing_facts(world: World, host: str) -> dict[str, Any]:
    company = world.company(host)
    truth = pricing_truth(world, company) if company is not None else None
    if truth is None:
        return {}
    return {
        "plans": [plan.facts() for plan in truth.plans],
        "free_tier": truth.free_tier,
        "free_trial": truth.free_trial,
        "trial_days": truth.trial_days,
        "enterprise_contact": truth.enterprise_contact,
    }


def _g2_facts(world: World, path: str) -> dict[str, Any]:
    parts = path.strip("/").split("/")
    if len(parts) != 3 or parts[0] != "products":
        return {}
    company = world.company_by_linkedin(f"https://www.linkedin.com/company/{parts[1]}")
    truth = g2_truth(world, company) if company is not None else None
    if truth is None or truth.slug != parts[1]:
        return {}
    return {
        "rating": truth.rating,
        "review_count": truth.review_count,
        "categories": list(truth.categories),
        "alternatives": list(truth.alternatives),
    }


def page_facts(world: World, prompt: PagePrompt) -> dict[str, Any]:
    """Return the answer to a read_page prompt: each field asked for, null (or empty) when unknown."""
    url = urlsplit(prompt.url)
    host = (url.hostname or "").lower()
    facts = _g2_facts(world, url.path) if prompt.kind == "g2" else _pricing_facts(world, host)
    lists = ("plans", "categories", "alternatives")
    return {name: facts.get(name, [] if name in lists else None) for name in prompt.fields}


def page_answer(world: World, message: str) -> str | None:
    """Return the JSON answer to a user message that asks to read a page, else None."""
    prompt = read_prompt(message)
    return None if prompt is None else json.dumps(page_facts(world, prompt))
