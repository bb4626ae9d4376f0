"""LeadMagic's email finder and email validation: request builders and parsers.

Finder: `POST /v1/people/email-finder` with `first_name`+`last_name` or `full_name`, and `domain`
(preferred) or `company_name`; `status` is `valid`, `valid_catch_all`, `catch_all` or `not_found`;
1 credit when found, free on `not_found`. Validation: `POST /v1/people/email-validation {email}`;
`email_status` is `valid`, `valid_catch_all`, `invalid`, `catch_all` or `unknown`; catch_all and
unknown are free, the rest cost 0.05 credit (docs copy; LeadMagic's OpenAPI README says 0.25).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from providers.base import (
    NO_KEY,
    Credentials,
    Outcome,
    ProviderResult,
    RequestSpec,
    Skip,
    first_present,
    missing,
    result,
)
from providers.http import HttpResponse
from providers.leadmagic.protocol import (
    NAME,
    answer_body,
    bare_domain,
    credits_cost,
    not_found,
    post,
    text,
)

FINDER_CREDITS = 1.0
VALIDATION_CREDITS = 0.05

# LeadMagic's words in our verification vocabulary: valid_catch_all is an address LeadMagic confirmed
# on an accept-all domain, so it counts as valid; plain catch_all stays inconclusive.
VERDICTS = {
    "valid": "valid",
    "valid_catch_all": "valid",
    "catch_all": "catch_all",
    "invalid": "invalid",
    "unknown": "unknown",
}
_CATCH_ALL = {"valid_catch_all", "catch_all"}


def person_name(inputs: Mapping[str, Any]) -> dict[str, str] | Skip:
    """Return the name fields LeadMagic takes (first+last, or full), or a Skip naming what is missing."""
    full = first_present(inputs, "full_name")
    first = first_present(inputs, "first_name")
    last = first_present(inputs, "last_name")
    if isinstance(first, str) and isinstance(last, str):
        names = {"first_name": first, "last_name": last}
        return {**names, "full_name": full} if isinstance(full, str) else names
    if isinstance(full, str):
        return {"full_name": full}
    needs = [f"{name}|full_name" for name, value in (("first_name", first), ("last_name", last)) if not value]
    return missing(*needs)


def build_email_finder(inputs: Mapping[str, Any], credentials: Credentials) -> RequestSpec | Skip:
    """Ask for the work email of a named person at a company (domain preferred over name)."""
    names = person_name(inputs)
    domain = bare_domain(first_present(inputs, "company_domain", "company_website"))
    company = first_present(inputs, "company_name")
    if isinstance(names, Skip) or not (domain or isinstance(company, str)):
        needs = list(names.missing) if isinstance(names, Skip) else []
        if not (domain or isinstance(company, str)):
            needs.append("company_domain|company_website|company_name")
        return missing(*needs)
    if not credentials.api_key:
        return NO_KEY
    body: dict[str, Any] = dict(names)
    if domain:
        body["domain"] = domain
    if isinstance(company, str):
        body["company_name"] = company
    return post("/v1/people/email-finder", body, credentials)


def parse_email_finder(response: HttpResponse) -> ProviderResult:
    """Classify a finder answer: an address with its status, or not found (free)."""
    body = answer_body("email_finder", response)
    if isinstance(body, ProviderResult):
        return body
    status = text(body.get("status")) or "not_found"
    email = text(body.get("email"))
    if status == "not_found" or not email:
        return not_found("email_finder", response, body)
    data = {
        "email": email.lower(),
        "email_status": VERDICTS.get(status, "unknown"),
        "is_catch_all": status in _CATCH_ALL,
        "first_name": text(body.get("first_name")),
        "last_name": text(body.get("last_name")),
        "company_domain": bare_domain(body.get("domain")),
        "company_name": text(body.get("company_name")),
        "mx_provider": text(body.get("mx_provider")),
        "employment_verified": body.get("employment_verified"),
    }
    return result(
        "email_finder",
        NAME,
        Outcome.FOUND,
        response,
        data=data,
        provider_status=status,
        cost_usd=credits_cost(body, FINDER_CREDITS),
    )


def build_email_validation(inputs: Mapping[str, Any], credentials: Credentials) -> RequestSpec | Skip:
    """Ask for a deliverability verdict on `email` (or `work_email`)."""
    email = first_present(inputs, "email", "work_email")
    if not isinstance(email, str):
        return missing("email|work_email")
    if not credentials.api_key:
        return NO_KEY
    return post("/v1/people/email-validation", {"email": email}, credentials)


def parse_email_validation(response: HttpResponse) -> ProviderResult:
    """Classify a verdict; `unknown` is inconclusive, so not found."""
    body = answer_body("email_validation", response)
    if isinstance(body, ProviderResult):
        return body
    verdict = text(body.get("email_status"))
    if verdict is None:
        return not_found("email_validation", response, body)
    status = VERDICTS.get(verdict, "unknown")
    data = {
        "email": text(body.get("email")),
        "status": status,
        "provider_result": verdict,
        "is_catch_all": verdict in _CATCH_ALL or body.get("is_domain_catch_all") is True,
        "inconclusive": status in ("unknown", "catch_all"),
        "mx_provider": text(body.get("mx_provider")),
        "company_name": text(body.get("company_name")),
    }
    outcome = Outcome.NOT_FOUND if status == "unknown" else Outcome.FOUND
    # catch_all and unknown verdicts are free, whatever the price of a conclusive one.
    default = 0.0 if verdict in ("catch_all", "unknown") else VALIDATION_CREDITS
    return result(
        "email_validation",
        NAME,
        outcome,
        response,
        data=data,
        provider_status=verdict,
        cost_usd=credits_cost(body, default),
    )
