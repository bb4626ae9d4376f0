"""company.enrich.profile: one company profile merged from every provider that knows the company."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from operations.contracts.company_enrich import CompanyProfile, CompanyProfileOutput
from operations.inputs import clean_text, normalize_domain, normalize_linkedin_url
from operations.runtime import OperationRun, Outcome
from operations.spec import OperationSpec, OperationStatus, need
from operations.waterfall import Plan, Step
from providers.base import ProviderResult

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

    def take(self, step: Step[MergedProfile], result: ProviderResult) -> bool:
        """Fill the fields still empty from a found answer, then learn identifiers from the profile.

        Never complete: the contract has the profile ask every provider.
        """
        if not result.data:
            return False
        filled = False
        for name in PROFILE_FIELDS:
            value = result.data.get(name)
            if _empty(self.fields.get(name)) and not _empty(value):
                self.fields[name] = value
                filled = True
        if filled and step.provider not in self.sources:
            self.sources.append(step.provider)
        self._learn()
        return False

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


def _knows(*keys: str) -> Callable[[MergedProfile], bool]:
    return lambda profile: all(key in profile.known for key in keys)


def _asks_by(*keys: str) -> Callable[[MergedProfile], dict[str, str]]:
    return lambda profile: profile.lookup(*keys)


def _needs_linkedin_page(profile: MergedProfile) -> bool:
    return "company_linkedin_url" not in profile.known and "company_domain" in profile.known


PROFILE_PLAN = Plan(
    "merge_accumulate",
    (
        Step(
            "prospeo",
            "enrich_company",
            _asks_by("company_domain", "company_linkedin_url", "company_name", "source_company_id"),
        ),
        # BlitzAPI enriches by LinkedIn page only; when no one has named the page yet, its own cheap
        # domain-to-LinkedIn lookup finds it first, and a miss there ends BlitzAPI's turn.
        Step(
            "blitzapi",
            "enrich_company",
            _asks_by("company_linkedin_url"),
            lookup=Step(
                "blitzapi", "domain_to_linkedin", _asks_by("company_domain"), when=_needs_linkedin_page
            ),
        ),
        Step(
            "companyenrich",
            "enrich_company",
            _asks_by("company_domain"),
            when=_knows("company_domain"),
            alternative=Step(
                "companyenrich",
                "enrich_company_by_properties",
                _asks_by("company_name", "company_linkedin_url"),
            ),
        ),
        Step(
            "leadmagic", "company_search", _asks_by("company_domain", "company_linkedin_url", "company_name")
        ),
    ),
    take=MergedProfile.take,
)


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
    await run.waterfall(profile)
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
        plan=PROFILE_PLAN,
        order_configurable=True,
    )
]
