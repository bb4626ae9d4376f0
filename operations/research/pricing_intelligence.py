"""company.derive.pricing_intelligence: fourteen facts about a pricing page, one RevenueInfra call each."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlsplit

from operations.contracts.pricing import PricingIntelligenceOutput
from operations.inputs import Inputs, normalize_domain
from operations.research.revenueinfra import DOMAIN_INPUTS, PROVIDER
from operations.runtime import OperationRun, Outcome
from operations.spec import OperationSpec, OperationStatus, calls, need
from providers.base import Outcome as ProviderOutcome
from providers.revenueinfra.pricing import FIELDS, action_name


def page_url(inputs: Inputs) -> str | None:
    """Return the pricing page as an http(s) URL on a real host, or None."""
    text = inputs.text("pricing_page_url", max_length=2048)
    if text is None or " " in text:
        return None
    url = text if "://" in text else f"https://{text}"
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or normalize_domain(host) is None:
        return None
    return url


async def pricing_intelligence(run: OperationRun) -> Outcome:
    """Run the fourteen analyses of the pricing page concurrently; found when any fact is resolved.

    Unlike the old system, which ran them one after another and recorded one summary attempt, every
    analysis is its own recorded attempt and they run at once (the gateway enforces RevenueInfra's
    limits). Facts that fail or that the page does not tell stay null. With no fact resolved, the
    operation is not_found if any analysis answered, else failed (RevenueInfra unreachable, or no key).
    """
    url = page_url(run.inputs)
    if url is None:
        return run.unusable("pricing_page_url is not a usable URL")
    request: dict[str, Any] = {"pricing_page_url": url}
    domain = run.inputs.domain(*DOMAIN_INPUTS)
    if domain is not None:
        request["company_domain"] = domain
    name = run.inputs.text("company_name", max_length=200)
    if name is not None:
        request["company_name"] = name
    results = await asyncio.gather(*(run.call(PROVIDER, action_name(field), request) for field in FIELDS))
    facts = {
        field: result.data.get(field)
        for field, result in zip(FIELDS, results, strict=True)
        if result.outcome is ProviderOutcome.FOUND and result.data is not None
    }
    resolved = sum(value is not None for value in facts.values())
    if resolved == 0:
        miss = run.miss()
        if miss.status is OperationStatus.SKIPPED:  # as for every RevenueInfra operation: no key fails
            return Outcome(OperationStatus.FAILED, None, f"{PROVIDER} skipped: {results[0].skip_reason}")
        return miss
    output = {
        "pricing_page_url": url,
        **{field: facts.get(field) for field in FIELDS},
        "fields_resolved": resolved + 1,  # the page URL counts as a resolved field
        "source_provider": PROVIDER,
    }
    return Outcome(OperationStatus.FOUND, output)


OPERATIONS = [
    OperationSpec(
        id="company.derive.pricing_intelligence",
        description="Pricing model, free trial, sales motion, billing, tiers, enterprise tier and more.",
        output=PricingIntelligenceOutput,
        run=pricing_intelligence,
        requires=(need("pricing_page_url"),),
        optional=(*DOMAIN_INPUTS, "company_name"),
        providers=(PROVIDER,),
        policy="fixed_sequence",
        calls=(calls(PROVIDER, *(action_name(field) for field in FIELDS)),),
    )
]
