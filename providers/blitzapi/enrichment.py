"""BlitzAPI's enrichment actions: work email, phone, company, and domain <-> LinkedIn page.

All are `POST /v2/enrichment/…` with one identifier and answer `{found, …}`; a miss is a 200 with
`found: false` except company enrichment, which answers 404 `{"success": false, "message": "Not
Found"}`. Credits per successful call in the older per-call price list: email 1, phone 5,
domain-to-linkedin 1, linkedin-to-domain 0.5; company enrichment's price is not given there, so we
assume 1. Phones cover mainly the US ("45M+ US phone numbers").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
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
from providers.blitzapi.protocol import (
    NAME,
    answer_body,
    company_profile,
    cost,
    found,
    not_found,
    post,
    text,
)
from providers.http import HttpResponse

EMAIL_CREDITS = 1.0
PHONE_CREDITS = 5.0
COMPANY_CREDITS = 1.0  # assumed: the per-call list does not price company enrichment
DOMAIN_TO_LINKEDIN_CREDITS = 1.0
LINKEDIN_TO_DOMAIN_CREDITS = 0.5


def _bare_domain(value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    host = value.strip().lower().split("://", 1)[-1].split("/", 1)[0].split("?", 1)[0]
    host = host.rsplit("@", 1)[-1].split(":", 1)[0].removeprefix("www.")
    return host if "." in host else None


def _one_input(
    path: str, field: str, names: tuple[str, ...], clean: Callable[[Any], str | None] = text
) -> Callable[[Mapping[str, Any], Credentials], RequestSpec | Skip]:
    def build(inputs: Mapping[str, Any], credentials: Credentials) -> RequestSpec | Skip:
        value = clean(first_present(inputs, *names))
        if value is None:
            return missing("|".join(names))
        if not credentials.api_key:
            return NO_KEY
        return post(path, {field: value}, credentials)

    build.__doc__ = f"Ask BlitzAPI's {path} for {field}."
    return build


build_find_work_email = _one_input(
    "/v2/enrichment/email", "person_linkedin_url", ("linkedin_url", "profile_url")
)
build_find_phone = _one_input("/v2/enrichment/phone", "person_linkedin_url", ("linkedin_url", "profile_url"))
build_enrich_company = _one_input("/v2/enrichment/company", "company_linkedin_url", ("company_linkedin_url",))
build_domain_to_linkedin = _one_input(
    "/v2/enrichment/domain-to-linkedin", "domain", ("company_domain", "company_website"), _bare_domain
)
build_linkedin_to_domain = _one_input(
    "/v2/enrichment/linkedin-to-domain", "company_linkedin_url", ("company_linkedin_url",)
)


def _found(action: str, response: HttpResponse, data: dict[str, Any], credits: float) -> ProviderResult:
    return result(
        action, NAME, Outcome.FOUND, response, data=data, provider_status="found", cost_usd=cost(credits)
    )


def parse_find_work_email(response: HttpResponse) -> ProviderResult:
    """Classify a work-email answer: the address and every candidate, or not found."""
    body = answer_body("find_work_email", response)
    if isinstance(body, ProviderResult):
        return body
    email = text(found(body, "email"))
    if email is None:
        return not_found("find_work_email", response)
    listed = body.get("all_emails")
    candidates = listed if isinstance(listed, list) else []
    all_emails = [
        {
            "email": text(c.get("email")),
            "company_linkedin_url": text(c.get("company_linkedin_url")),
            "email_domain": text(c.get("email_domain")),
            "job_order_in_profile": c.get("job_order_in_profile"),
        }
        for c in candidates
        if isinstance(c, Mapping)
    ]
    return _found(
        "find_work_email", response, {"email": email.lower(), "all_emails": all_emails}, EMAIL_CREDITS
    )


def parse_find_phone(response: HttpResponse) -> ProviderResult:
    """Classify a phone answer."""
    body = answer_body("find_phone", response)
    if isinstance(body, ProviderResult):
        return body
    phone = text(found(body, "phone"))
    if phone is None:
        return not_found("find_phone", response)
    return _found("find_phone", response, {"mobile_phone": phone}, PHONE_CREDITS)


def parse_enrich_company(response: HttpResponse) -> ProviderResult:
    """Classify a company answer, normalized to the Profile fields; 404 is not found."""
    body = answer_body("enrich_company", response)
    if isinstance(body, ProviderResult):
        return body
    company = found(body, "company")
    if not isinstance(company, Mapping):
        return not_found("enrich_company", response)
    return _found("enrich_company", response, company_profile(company), COMPANY_CREDITS)


def parse_domain_to_linkedin(response: HttpResponse) -> ProviderResult:
    """Classify a domain-to-LinkedIn answer."""
    body = answer_body("domain_to_linkedin", response)
    if isinstance(body, ProviderResult):
        return body
    url = text(found(body, "company_linkedin_url"))
    if url is None:
        return not_found("domain_to_linkedin", response)
    return _found("domain_to_linkedin", response, {"company_linkedin_url": url}, DOMAIN_TO_LINKEDIN_CREDITS)


def parse_linkedin_to_domain(response: HttpResponse) -> ProviderResult:
    """Classify a LinkedIn-to-domain answer (the company's email domain)."""
    body = answer_body("linkedin_to_domain", response)
    if isinstance(body, ProviderResult):
        return body
    domain = text(found(body, "email_domain"))
    if domain is None:
        return not_found("linkedin_to_domain", response)
    return _found(
        "linkedin_to_domain", response, {"company_domain": domain.lower()}, LINKEDIN_TO_DOMAIN_CREDITS
    )
