"""company.enrich.profile: one company profile merged from every provider that knows the company."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from operations.contracts.company_enrich import CompanyProfile, CompanyProfileOutput
from operations.inputs import clean_text, normalize_domain, normalize_linkedin_url
from operations.runtime import OperationRun, Outcome
from operations.spec import OperationSpec, OperationStatus, calls, need
from providers.base import Outcome as ProviderOutcome
from providers.base import ProviderResult

PROVIDERS = ("prospeo", "blitzapi", "companyenrich", "leadmagic")
PROFILE_FIELDS = tuple(CompanyProfile.model_fields)
INPUTS = ("company_domain", "company_website", "company_linkedin_url", "company_name", "source_company_id")


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _company_linkedin(value: Any) -> str | None:
    return normalize_linkedin_url(value, "company")


class MergedProfile:
    """The profile so far (first non-empty value per field wins) and the identifiers known so far."""

    def __init__(self, known: dict[str, str]) -> None:
        self.known = known
        self.fields: dict[str, Any] = {}
        self.sources: list[str] = []

    def absorb(self, result: ProviderResult) -> None:
        """Fill the fields still empty from a found answer, then learn identifiers from the profile."""
        if result.outcome is not ProviderOutcome.FOUND or not result.data:
            return
        filled = False
        for name in PROFILE_FIELDS:
            value = result.data.get(name)
            if _empty(self.fields.get(name)) and not _empty(value):
                self.fields[name] = value
                filled = True
        if filled and result.provider not in self.sources:
            self.sources.append(result.provider)
        self._learn()

    def _learn(self) -> None:
        # The caller's identifiers stay; learned ones only fill gaps, cleaned as strictly as inputs are.
        learned = {
            "company_domain": normalize_domain(self.fields.get("company_domain"))
            or normalize_domain(self.fields.get("company_website")),
            "company_linkedin_url": _company_linkedin(self.fields.get("company_linkedin_url")),
            "company_name": clean_text(self.fields.get("company_name"), 200),
        }
        for key, value in learned.items():
            if value is not None:
                self.known.setdefault(key, value)

    def lookup(self, *keys: str) -> dict[str, str]:
        """Return the known identifiers among keys."""
        return {key: self.known[key] for key in keys if key in self.known}


async def _prospeo(run: OperationRun, profile: MergedProfile) -> None:
    keys = ("company_domain", "company_linkedin_url", "company_name", "source_company_id")
    profile.absorb(await run.call("prospeo", "enrich_company", profile.lookup(*keys)))


async def _blitzapi(run: OperationRun, profile: MergedProfile) -> None:
    # BlitzAPI enriches by LinkedIn page only; when no one has named the page yet, its own cheap
    # domain-to-LinkedIn lookup finds it first, and a miss there ends BlitzAPI's turn.
    if "company_linkedin_url" not in profile.known and "company_domain" in profile.known:
        page = await run.call("blitzapi", "domain_to_linkedin", profile.lookup("company_domain"))
        if page.outcome is not ProviderOutcome.FOUND:
            return
        profile.absorb(page)
    profile.absorb(await run.call("blitzapi", "enrich_company", profile.lookup("company_linkedin_url")))


async def _companyenrich(run: OperationRun, profile: MergedProfile) -> None:
    if "company_domain" in profile.known:
        result = await run.call("companyenrich", "enrich_company", profile.lookup("company_domain"))
    else:
        keys = ("company_name", "company_linkedin_url")
        result = await run.call("companyenrich", "enrich_company_by_properties", profile.lookup(*keys))
    profile.absorb(result)


async def _leadmagic(run: OperationRun, profile: MergedProfile) -> None:
    keys = ("company_domain", "company_linkedin_url", "company_name")
    profile.absorb(await run.call("leadmagic", "company_search", profile.lookup(*keys)))


STEPS: dict[str, Callable[[OperationRun, MergedProfile], Awaitable[None]]] = {
    "prospeo": _prospeo,
    "blitzapi": _blitzapi,
    "companyenrich": _companyenrich,
    "leadmagic": _leadmagic,
}


def _identifiers(run: OperationRun) -> dict[str, str]:
    inputs = run.inputs
    found = {
        "company_domain": inputs.domain("company_domain", "company_website"),
        "company_linkedin_url": inputs.linkedin("company_linkedin_url", kind="company"),
        "company_name": inputs.text("company_name", max_length=200),
        "source_company_id": inputs.text("source_company_id", max_length=100),
    }
    return {key: value for key, value in found.items() if value is not None}


async def enrich_profile(run: OperationRun) -> Outcome:
    """Ask every provider in order, feeding identifiers learned so far to the next, and merge answers."""
    known = _identifiers(run)
    if not known:
        return run.unusable(f"none of {', '.join(INPUTS)} is usable")
    profile = MergedProfile(known)
    for provider in run.provider_order:
        step = STEPS.get(provider)
        if step is not None:
            await step(run, profile)
    if not profile.fields:
        return run.miss()
    output = {**profile.fields, "company_profile": profile.fields, "source_providers": profile.sources}
    return Outcome(OperationStatus.FOUND, output)


OPERATIONS = [
    OperationSpec(
        id="company.enrich.profile",
        description="Core company profile merged across Prospeo, BlitzAPI, CompanyEnrich and LeadMagic.",
        output=CompanyProfileOutput,
        run=enrich_profile,
        requires=(need(*INPUTS),),
        providers=PROVIDERS,
        policy="merge_accumulate",
        order_configurable=True,
        calls=(
            calls("prospeo", "enrich_company"),
            calls("blitzapi", "domain_to_linkedin", "enrich_company"),
            calls("companyenrich", "enrich_company", alternatives=("enrich_company_by_properties",)),
            calls("leadmagic", "company_search"),
        ),
    )
]
