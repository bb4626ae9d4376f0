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
from operations.spec import OperationSpec, OperationStatus, need
from operations.waterfall import Plan, Step
from providers.base import ProviderResult
from providers.parallel import task_inputs

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


@dataclass(slots=True)
class Resolving:
    """What is known of the company while providers are asked, and the step's parameters."""

    known: Identity
    inputs: Inputs

    def take(self, step: Step[Resolving], result: ProviderResult) -> bool:
        """Absorb a provider's match; the first that identifies the company ends the search."""
        if not result.data:
            return False
        self.known.absorb(step.provider, result.data)
        return self.known.source_provider is not None


def _by_domain(resolving: Resolving) -> dict[str, Any]:
    return {"company_domain": resolving.known.domain}


def _by_linkedin(resolving: Resolving) -> dict[str, Any]:
    return {"company_linkedin_url": resolving.known.linkedin}


def _by_names(resolving: Resolving) -> list[dict[str, Any]]:
    name = resolving.known.name
    return [{"company_name": n} for n in name_variants(name)] if name else []


def _by_best_key(resolving: Resolving) -> list[dict[str, Any]]:
    """The domain, else the LinkedIn page, else the name and its shorter forms."""
    if resolving.known.domain:
        return [_by_domain(resolving)]
    return _by_properties(resolving)


def _by_properties(resolving: Resolving) -> list[dict[str, Any]]:
    return [_by_linkedin(resolving)] if resolving.known.linkedin else _by_names(resolving)


def _has_domain(resolving: Resolving) -> bool:
    return bool(resolving.known.domain)


def _lacks_linkedin(resolving: Resolving) -> bool:
    return bool(resolving.known.domain and not resolving.known.linkedin)


def _lacks_domain(resolving: Resolving) -> bool:
    return bool(resolving.known.linkedin and not resolving.known.domain)


def _needs_research(resolving: Resolving) -> bool:
    return not resolving.known.domain and resolving.inputs.flag("research_fallback", True)


def _research_task(resolving: Resolving) -> dict[str, Any]:
    known = resolving.known
    task_input = {"company_name": known.name} if known.name else {}
    if known.linkedin:
        task_input["company_linkedin_url"] = known.linkedin
    return task_inputs(task_input, RESEARCH_FIELDS, processor(resolving.inputs, "base"))


# Enrichers by the best key known; BlitzAPI's lookups fill the one identifier missing; a Parallel
# research task last, when no one knows the domain.
PLAN = Plan(
    "first_success",
    (
        Step("prospeo", "enrich_company", each=_by_best_key),
        Step(
            "companyenrich",
            "enrich_company",
            _by_domain,
            when=_has_domain,
            alternative=Step("companyenrich", "enrich_company_by_properties", each=_by_properties),
        ),
        Step(
            "blitzapi",
            "domain_to_linkedin",
            _by_domain,
            when=_lacks_linkedin,
            alternative=Step("blitzapi", "linkedin_to_domain", _by_linkedin, when=_lacks_domain),
        ),
        Step("parallel", "task_run", _research_task, when=_needs_research),
    ),
    take=Resolving.take,
)


async def resolve_identity(run: OperationRun) -> Outcome:
    """Normalize the input, then ask providers in order until the company is matched."""
    known = read_identity(run.inputs)
    if not (known.domain or known.name or known.linkedin):
        return run.unusable("no usable company domain, website, name, LinkedIn page or work email")
    if not known.complete:  # a reference that names all three needs no one
        await run.waterfall(Resolving(known, run.inputs))
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
        params=("research_fallback", "processor"),
        order_configurable=True,
        plan=PLAN,
    )
]
