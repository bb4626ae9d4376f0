"""A company's G2 and pricing page URLs, asked of LLMs (Gemini, then OpenAI); the first valid URL wins."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from operations.contracts.research import G2UrlOutput, PricingPageUrlOutput
from operations.runtime import OperationRun, Outcome
from operations.spec import OperationSpec, OperationStatus, need
from operations.waterfall import Plan, Step
from providers._research_prompts import valid_url
from providers.base import ProviderResult, bare_domain

PROVIDERS = ("gemini", "openai")
DOMAIN_INPUTS = ("company_domain", "company_website")


@dataclass(slots=True)
class UrlSearch:
    """What each model is asked, and the first URL that passed the check (or whether one failed it)."""

    request: dict[str, Any]
    url_key: str
    output: dict[str, Any] | None = None
    rejected: bool = False  # a model answered with a URL off the company's site

    def take(self, step: Step[UrlSearch], result: ProviderResult) -> bool:
        """Keep the model's URL if it passes the URL check against our domain."""
        data = result.data
        if data is None:
            return False
        domain = self.request.get("company_domain")
        echoed = bare_domain(data.get("company_domain"))
        # The adapter checks the URL against the domain the model echoes; a model that echoes another
        # company's domain must not pass a page off that company's site as ours.
        url = valid_url(step.action, data.get(self.url_key), domain or echoed)
        if url is None:
            self.rejected = True
            return False
        self.output = {
            "company_name": self.request["company_name"],
            "company_domain": domain or echoed,
            self.url_key: url,
            "confidence": data.get("confidence") or 0.0,
            "provider_used": step.provider,
        }
        return True


def _request(search: UrlSearch) -> dict[str, Any]:
    return search.request


def url_plan(action: str) -> Plan[UrlSearch]:
    """Ask Gemini, then OpenAI, for the URL that `action` resolves; the first valid URL wins."""
    return Plan("first_success", tuple(Step(p, action, _request) for p in PROVIDERS), take=UrlSearch.take)


async def resolve_url(run: OperationRun, url_key: str) -> Outcome:
    """Ask each model in order for the URL; keep the first that passes the URL check against our domain."""
    name = run.inputs.text("company_name", max_length=200)
    if name is None:
        return run.unusable("company_name is not a usable name")
    domain = run.inputs.domain(*DOMAIN_INPUTS)
    request: dict[str, Any] = {"company_name": name}
    if domain is not None:
        request["company_domain"] = domain
    search = UrlSearch(request, url_key)
    await run.waterfall(search)
    if search.output is not None:
        return Outcome(OperationStatus.FOUND, search.output)
    if search.rejected:  # a model answered, with a URL off the company's site: nothing valid was found
        return Outcome(OperationStatus.NOT_FOUND, None, f"no valid {url_key}")
    return run.miss()


async def resolve_g2_url(run: OperationRun) -> Outcome:
    """Find the company's G2 reviews page (a URL on g2.com)."""
    return await resolve_url(run, "g2_url")


async def resolve_pricing_page_url(run: OperationRun) -> Outcome:
    """Find the company's pricing page (on its own domain, with "pricing" in the URL)."""
    return await resolve_url(run, "pricing_page_url")


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
        # Each provider's action is named as the operation is (resolve_g2_url, …).
        plan=url_plan(operation_id.rsplit(".", 1)[-1]),
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
