"""company.resolve.identity: a messy company reference made a canonical domain, name and LinkedIn page."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from operations.contracts.identity import CompanyIdentityOutput
from operations.inputs import Inputs, clean_text, normalize_domain, normalize_linkedin_url
from operations.micro.runner import processor, weakest
from operations.runtime import OperationRun, Outcome
from operations.spec import OperationSpec, OperationStatus, calls, need
from providers.base import Outcome as ProviderOutcome
from providers.base import ProviderResult
from providers.parallel import task_inputs

PROVIDERS = ("prospeo", "companyenrich", "blitzapi", "parallel")
ENRICHERS = frozenset({"prospeo", "companyenrich", "blitzapi"})
DOMAIN_INPUTS = ("company_domain", "company_website", "domain", "query", "input")
EMAIL_INPUTS = ("email", "work_email", "company_domain", "company_website", "domain", "query", "input")
LINKEDIN_INPUTS = (
    "company_linkedin_url",
    "company_domain",
    "company_website",
    "company_name",
    "query",
    "input",
)
# Hosts that appear where a company's website belongs but never are the company's own domain.
NOT_COMPANY_HOSTS = frozenset(
    {"linkedin.com", "facebook.com", "twitter.com", "x.com", "instagram.com", "youtube.com", "tiktok.com"}
    | {"crunchbase.com", "angel.co", "wellfound.com", "g2.com", "glassdoor.com", "bit.ly"}
)
# Mailbox providers: an address there says nothing about the person's company.
PERSONAL_MAIL = frozenset(
    {"gmail.com", "googlemail.com", "yahoo.com", "ymail.com", "hotmail.com", "outlook.com", "live.com"}
    | {"msn.com", "aol.com", "icloud.com", "me.com", "mac.com", "proton.me", "protonmail.com", "gmx.com"}
    | {"gmx.de", "gmx.net", "web.de", "mail.com", "yandex.com", "yandex.ru", "zoho.com", "qq.com", "163.com"}
    | {"fastmail.com", "hey.com", "yahoo.co.uk", "yahoo.fr", "hotmail.co.uk", "hotmail.fr", "live.co.uk"}
)
_LEGAL_SUFFIX = re.compile(
    r"[\s,]+(inc|incorporated|llc|l\.l\.c|ltd|limited|corp|corporation|co|company|gmbh|ag|plc|s\.?a|"
    r"b\.?v|pty|sarl|srl|oy|ab)\.?$",
    re.IGNORECASE,
)
RESEARCH_FIELDS: dict[str, Any] = {
    "company_domain": {
        "type": "string",
        "description": "The company's primary website domain, e.g. example.com (no scheme or path).",
    },
    "company_name": {"type": "string", "description": "The company's official name."},
    "company_linkedin_url": {
        "type": "string",
        "description": "The URL of the company's official LinkedIn page (https://www.linkedin.com/company/...).",
    },
}


@dataclass(slots=True)
class Identity:
    """What is known so far about the company, and how."""

    domain: str | None = None
    name: str | None = None
    linkedin: str | None = None
    method: str = "lookup"
    source_provider: str | None = None
    confidence: str = "medium"

    @property
    def complete(self) -> bool:
        return bool(self.domain and self.name and self.linkedin)

    def absorb(self, provider: str, data: Mapping[str, Any]) -> None:
        """Take a matching provider's canonical values; the input's fill what it lacks."""
        domain = _company_domain(data.get("company_domain"))
        if domain is None and self.domain is None:
            return  # a match without a domain does not identify the company
        self.domain = domain or self.domain
        self.name = clean_text(data.get("company_name"), 200) or self.name
        self.linkedin = normalize_linkedin_url(data.get("company_linkedin_url"), "company") or self.linkedin
        self.source_provider = provider
        if provider in ENRICHERS:
            self.confidence = "high"
        else:
            confidences = data.get("confidence")
            word = weakest([confidences.get("company_domain")] if isinstance(confidences, Mapping) else [])
            self.confidence = word if word in ("high", "medium", "low") else "low"


def _company_domain(value: Any) -> str | None:
    domain = normalize_domain(value)
    if domain is None or domain in NOT_COMPANY_HOSTS or domain.endswith(".linkedin.com"):
        return None
    return domain


def name_variants(name: str) -> list[str]:
    """Return name, then without each trailing legal form in turn ("Acme Co, Inc." -> "Acme Co", "Acme")."""
    variants = [name]
    while len(variants) < 3 and (shorter := _LEGAL_SUFFIX.sub("", variants[-1]).strip(" ,.")):
        if shorter == variants[-1]:
            break
        variants.append(shorter)
    return variants


def _name_or_site(inputs: Inputs) -> tuple[str | None, str | None]:
    """Return (name, site): a company_name or free text that is a domain or URL names the site instead."""
    name = inputs.text("company_name", max_length=200)
    if name is None:
        free = inputs.text("query", "input", max_length=200)
        name = free if free is not None and "@" not in free else None
    if name is not None and (("://" in name) or (" " not in name and normalize_domain(name) is not None)):
        return None, name
    return name, None


def read_identity(inputs: Inputs) -> Identity:
    """Normalize what the inputs say about the company, without asking anyone."""
    found = Identity()
    found.linkedin = inputs.linkedin(*LINKEDIN_INPUTS, kind="company")
    found.name, site = _name_or_site(inputs)
    domains = [inputs.domain(name) for name in DOMAIN_INPUTS if inputs.email(name) is None] + [site]
    found.domain = next((d for value in domains if (d := _company_domain(value))), None)
    if found.domain is not None:
        found.method = "domain"
    else:
        email_domain = _company_domain(inputs.email(*EMAIL_INPUTS))
        if email_domain is not None and email_domain not in PERSONAL_MAIL:
            found.domain, found.method = email_domain, "email"
    return found


def _lookups(provider: str, known: Identity, run: OperationRun) -> list[tuple[str, dict[str, Any]]]:
    """Return the (action, inputs) calls provider can make for what is known, best first."""
    names = name_variants(known.name) if known.name else []
    if provider == "prospeo":
        if known.domain:
            return [("enrich_company", {"company_domain": known.domain})]
        if known.linkedin:
            return [("enrich_company", {"company_linkedin_url": known.linkedin})]
        return [("enrich_company", {"company_name": n}) for n in names]
    if provider == "companyenrich":
        if known.domain:
            return [("enrich_company", {"company_domain": known.domain})]
        if known.linkedin:
            return [("enrich_company_by_properties", {"company_linkedin_url": known.linkedin})]
        return [("enrich_company_by_properties", {"company_name": n}) for n in names]
    if provider == "blitzapi" and known.linkedin and not known.domain:
        return [("linkedin_to_domain", {"company_linkedin_url": known.linkedin})]
    if provider == "blitzapi" and known.domain and not known.linkedin:
        return [("domain_to_linkedin", {"company_domain": known.domain})]
    if provider == "parallel" and not known.domain and run.inputs.flag("research_fallback", True):
        task_input = {"company_name": known.name} if known.name else {}
        if known.linkedin:
            task_input["company_linkedin_url"] = known.linkedin
        return [("task_run", task_inputs(task_input, RESEARCH_FIELDS, processor(run.inputs, "base")))]
    return []


async def resolve_identity(run: OperationRun) -> Outcome:
    """Normalize the input, then ask providers in order until the company is matched."""
    known = read_identity(run.inputs)
    if not (known.domain or known.name or known.linkedin):
        return run.unusable("no usable company domain, website, name, LinkedIn page or work email")
    for provider in run.provider_order:
        if known.complete or known.source_provider is not None:
            break
        for action, inputs in _lookups(provider, known, run):
            result: ProviderResult = await run.call(provider, action, inputs)
            if result.outcome is ProviderOutcome.FOUND and result.data:
                known.absorb(provider, result.data)
                if known.source_provider is not None:
                    break
    if known.domain is None:
        return run.miss()
    return Outcome(
        OperationStatus.FOUND,
        {
            "company_domain": known.domain,
            "company_name": known.name,
            "company_linkedin_url": known.linkedin,
            "confidence": known.confidence,
            "method": known.method,
            "source_provider": known.source_provider,
        },
    )


OPERATIONS = [
    OperationSpec(
        id="company.resolve.identity",
        description="Canonical domain, name and LinkedIn page from a messy name, URL, domain or email.",
        output=CompanyIdentityOutput,
        run=resolve_identity,
        requires=(
            need(
                "company_domain",
                "company_website",
                "domain",
                "company_name",
                "company_linkedin_url",
                "email",
                "work_email",
                "query",
                "input",
            ),
        ),
        providers=PROVIDERS,
        params=("research_fallback", "processor"),
        order_configurable=True,
        calls=(
            calls("prospeo", "enrich_company"),
            calls("companyenrich", "enrich_company", alternatives=("enrich_company_by_properties",)),
            calls("blitzapi", "domain_to_linkedin", alternatives=("linkedin_to_domain",)),
            calls("parallel", "task_run"),
        ),
    )
]
