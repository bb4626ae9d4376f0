"""person.enrich.profile: a person's full profile from Prospeo, AmpleLeads (on request) or LeadMagic."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from operations.contracts.person_enrich import PersonProfileOutput
from operations.runtime import OperationRun, Outcome
from operations.spec import OperationSpec, OperationStatus, need
from operations.waterfall import Plan, Step
from providers.base import Outcome as ProviderOutcome

# Someone to look up: a profile URL, an email, a provider's id, or a name (with its company).
WHO = (
    "linkedin_url",
    "profile_url",
    "email",
    "work_email",
    "person_id",
    "source_person_id",
    "first_name",
    "full_name",
)
_FIELDS = tuple(name for name in PersonProfileOutput.model_fields if name != "source_provider")


def _present(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


def _profile(data: Mapping[str, Any], provider: str, linkedin: str | None) -> dict[str, Any]:
    """Project a provider's normalized answer onto the contract, every field present."""
    profile = {name: data.get(name) for name in _FIELDS}
    # The person was looked up by this URL, so it is theirs even when the answer leaves it out.
    profile["linkedin_url"] = profile["linkedin_url"] or linkedin
    return {**profile, "source_provider": provider}


@dataclass(frozen=True, slots=True)
class Requests:
    """What each provider is asked: Prospeo by everything known, the others by LinkedIn profile."""

    prospeo: dict[str, Any]
    by_linkedin: dict[str, Any]
    work_history: bool


def _wants_work_history(requests: Requests) -> bool:
    return requests.work_history


PLAN = Plan(
    "first_success",
    (
        Step("prospeo", "enrich_person", attrgetter("prospeo")),
        # AmpleLeads scrapes the live profile (slow, 4 credits): only when the step asks for work history.
        Step("ampleleads", "person_enrich", attrgetter("by_linkedin"), when=_wants_work_history),
        Step("leadmagic", "b2b_profile", attrgetter("by_linkedin")),
    ),
)


async def enrich_profile(run: OperationRun) -> Outcome:
    """Try Prospeo, then AmpleLeads when work history is asked for, then LeadMagic; first hit wins."""
    inputs = run.inputs
    linkedin = inputs.linkedin("linkedin_url", "profile_url", kind="in")
    first, last, full = inputs.full_name()
    prospeo = _present(
        {
            "linkedin_url": linkedin,
            "email": inputs.email("email", "work_email"),
            # Sent as a learned id: the adapter keeps it only when it is shaped like a Prospeo id.
            "source_person_id": inputs.text("person_id", "source_person_id", max_length=100),
            "first_name": first,
            "last_name": last,
            "full_name": full,
            "company_domain": inputs.domain("company_domain", "company_website"),
            "company_name": inputs.text("company_name", max_length=200),
            "company_linkedin_url": inputs.linkedin("company_linkedin_url", kind="company"),
        }
    )
    requests = Requests(prospeo, _present({"linkedin_url": linkedin}), inputs.flag("include_work_history"))
    found = await run.waterfall(requests)
    if found is None or found.outcome is not ProviderOutcome.FOUND or found.data is None:
        return run.miss()
    return Outcome(OperationStatus.FOUND, _profile(found.data, found.provider, linkedin))


OPERATIONS = [
    OperationSpec(
        id="person.enrich.profile",
        description="Full person profile: title, seniority, work history, education, skills, email, phone.",
        output=PersonProfileOutput,
        run=enrich_profile,
        requires=(need(*WHO),),
        optional=(
            *WHO,
            "last_name",
            "company_domain",
            "company_website",
            "company_name",
            "company_linkedin_url",
        ),
        plan=PLAN,
        params=("include_work_history",),
    )
]
