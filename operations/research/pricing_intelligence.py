"""company.derive.pricing_intelligence: fourteen facts about a pricing page, one RevenueInfra call each."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from operations.contracts.pricing import PricingIntelligenceOutput
from operations.inputs import Inputs, normalize_domain
from operations.research.revenueinfra import DOMAIN_INPUTS, PROVIDER
from operations.runtime import OperationRun, Outcome
from operations.spec import OperationSpec, OperationStatus, need
from operations.waterfall import Plan, Step
from providers.base import ProviderResult
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


@dataclass(slots=True)
class Analysis:
    """The pricing page asked about, and the facts the analyses found (by field)."""

    request: dict[str, Any]
    facts: dict[str, Any] = field(default_factory=dict)

    def take(self, step: Step[Analysis], result: ProviderResult) -> bool:
        """Keep the fact this analysis is about (its step's key)."""
        if result.data is not None:
            self.facts[step.key] = result.data.get(step.key)
        return False


def _request(analysis: Analysis) -> dict[str, Any]:
    return analysis.request


# Every analysis is called whatever the others answer, so all fourteen run at once.
PLAN = Plan(
    "fixed_sequence",
    tuple(Step(PROVIDER, action_name(fact), _request, key=fact) for fact in FIELDS),
    take=Analysis.take,
)


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
    analysis = Analysis(request)
    last = await run.waterfall(analysis)
    resolved = sum(value is not None for value in analysis.facts.values())
    if resolved == 0:
        miss = run.miss()
        if miss.status is OperationStatus.SKIPPED and last is not None:
            # As for every RevenueInfra operation, no key fails.
            return Outcome(OperationStatus.FAILED, None, f"{PROVIDER} skipped: {last.skip_reason}")
        return miss
    output = {
        "pricing_page_url": url,
        **{fact: analysis.facts.get(fact) for fact in FIELDS},
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
        plan=PLAN,
    )
]
