"""RevenueInfra pricing-page analyses: 14 classifiers, one action each, driven by one table of fields."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

from providers.base import (
    Action,
    Credentials,
    Outcome,
    ProviderResult,
    RequestSpec,
    Skip,
    first_present,
    malformed,
    missing,
    result,
)
from providers.http import HttpResponse
from providers.revenueinfra._common import NAME, bare_domain, company_domain, post, read_answer, text

# The analyses in the order company.derive.pricing_intelligence reports them; each answers one field.
FIELDS = (
    "free_trial",
    "pricing_visibility",
    "sales_motion",
    "pricing_model",
    "billing_default",
    "number_of_tiers",
    "add_ons_offered",
    "enterprise_tier_exists",
    "security_compliance_gating",
    "annual_commitment_required",
    "plan_naming_style",
    "custom_pricing_mentioned",
    "money_back_guarantee",
    "minimum_seats",
)
TIMEOUT_S = 30.0
# Estimate: one small LLM call over the page on the service's side (Gemini prices are not recorded).
COST_PER_ANALYSIS_USD = 0.001
_BOOLEAN_WORDS = {"true": "yes", "false": "no"}


def action_name(field: str) -> str:
    """Name the action answering one pricing field."""
    return f"pricing_{field}"


def analysis_path(field: str) -> str:
    """Return the classifier's path: the field name with dashes (`free_trial` -> `free-trial`)."""
    return f"/run/companies/gemini/{field.replace('_', '-')}/infer"


def build_pricing(field: str, inputs: Mapping[str, Any], credentials: Credentials) -> RequestSpec | Skip:
    """Ask one classifier about a pricing page; the company's domain defaults to the page's host."""
    url = text(first_present(inputs, "pricing_page_url"))
    if url is None:
        return missing("pricing_page_url")
    body: dict[str, Any] = {"domain": company_domain(inputs) or bare_domain(url), "pricing_page_url": url}
    name = text(first_present(inputs, "company_name"))
    if name is not None:
        body["company_name"] = name
    return post(analysis_path(field), body, credentials, TIMEOUT_S)


def normalize_value(field: str, value: Any) -> str | int | None:
    """Return a field's value as the operations want it: lowercase strings, booleans as yes/no.

    `number_of_tiers` is an int when it is a plain count, else the label as given (e.g. "4+").
    """
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        count = int(value)
        return count if field == "number_of_tiers" else str(count)
    label = text(value)
    if label is None:
        return None
    label = label.lower()
    if field == "number_of_tiers" and label.isdigit():
        return int(label)
    return _BOOLEAN_WORDS.get(label, label)


def parse_pricing(field: str, response: HttpResponse) -> ProviderResult:
    """Classify one analysis; a null value (the page did not tell) is not found, but was still paid for."""
    action = action_name(field)
    answer = read_answer(action, response)
    if isinstance(answer, ProviderResult):
        return answer
    if field not in answer:
        return malformed(action, NAME, response, f"no {field} in the answer")
    value = normalize_value(field, answer[field])
    if value is None:
        return result(
            action,
            NAME,
            Outcome.NOT_FOUND,
            response,
            provider_status="undetermined",
            cost_usd=COST_PER_ANALYSIS_USD,
        )
    return result(
        action,
        NAME,
        Outcome.FOUND,
        response,
        data={field: value},
        provider_status="ok",
        cost_usd=COST_PER_ANALYSIS_USD,
    )


ACTIONS: dict[str, Action] = {
    action_name(field): Action(
        provider=NAME,
        name=action_name(field),
        build=partial(build_pricing, field),
        parse=partial(parse_pricing, field),
        cost_usd=COST_PER_ANALYSIS_USD,
        description=f"Classify a pricing page's {field.replace('_', ' ')}.",
    )
    for field in FIELDS
}
