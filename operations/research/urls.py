"""A company's G2 and pricing page URLs, asked of LLMs (Gemini, then OpenAI); the first valid URL wins."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from pydantic import BaseModel

from operations.contracts.research import G2UrlOutput, PricingPageUrlOutput
from operations.runtime import OperationRun, Outcome
from operations.spec import OperationSpec, OperationStatus, calls, need
from providers._research_prompts import bare_domain, valid_url
from providers.base import Outcome as ProviderOutcome

PROVIDERS = ("gemini", "openai")
DOMAIN_INPUTS = ("company_domain", "company_website")


async def resolve_url(run: OperationRun, action: str, url_key: str) -> Outcome:
    """Ask each model in order for the URL; keep the first that passes the URL check against our domain."""
    name = run.inputs.text("company_name", max_length=200)
    if name is None:
        return run.unusable("company_name is not a usable name")
    domain = run.inputs.domain(*DOMAIN_INPUTS)
    request: dict[str, Any] = {"company_name": name}
    if domain is not None:
        request["company_domain"] = domain
    rejected = False
    for provider, provider_action, inputs in run.ordered({p: (action, request) for p in PROVIDERS}):
        result = await run.call(provider, provider_action, inputs)
        if result.outcome is not ProviderOutcome.FOUND or result.data is None:
            continue
        data = result.data
        echoed = bare_domain(data.get("company_domain"))
        # The adapter checks the URL against the domain the model echoes; a model that echoes another
        # company's domain must not pass a page off that company's site as ours.
        url = valid_url(action, data.get(url_key), domain or echoed)
        if url is None:
            rejected = True
            continue
        output = {
            "company_name": name,
            "company_domain": domain or echoed,
            url_key: url,
            "confidence": data.get("confidence") or 0.0,
            "provider_used": provider,
        }
        return Outcome(OperationStatus.FOUND, output)
    if rejected:  # a model answered, with a URL off the company's site: nothing valid was found
        return Outcome(OperationStatus.NOT_FOUND, None, f"no valid {url_key}")
    return run.miss()


async def resolve_g2_url(run: OperationRun) -> Outcome:
    """Find the company's G2 reviews page (a URL on g2.com)."""
    return await resolve_url(run, "resolve_g2_url", "g2_url")


async def resolve_pricing_page_url(run: OperationRun) -> Outcome:
    """Find the company's pricing page (on its own domain, with "pricing" in the URL)."""
    return await resolve_url(run, "resolve_pricing_page_url", "pricing_page_url")


def _spec(
    operation_id: str,
    description: str,
    output: type[BaseModel],
    run: Callable[[OperationRun], Awaitable[Outcome]],
) -> OperationSpec:
    return OperationSpec(
        id=operation_id,
        description=description,
        output=output,
        run=run,
        requires=(need("company_name"),),
        optional=DOMAIN_INPUTS,
        providers=PROVIDERS,
        # Each provider's action is named as the operation is (resolve_g2_url, …).
        calls=tuple(calls(p, operation_id.rsplit(".", 1)[-1]) for p in PROVIDERS),
    )


OPERATIONS = [
    _spec(
        "company.research.resolve_g2_url", "Find a company's G2 review page URL.", G2UrlOutput, resolve_g2_url
    ),
    _spec(
        "company.research.resolve_pricing_page_url",
        "Find a company's pricing page URL.",
        PricingPageUrlOutput,
        resolve_pricing_page_url,
    ),
]
