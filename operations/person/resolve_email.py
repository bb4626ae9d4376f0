"""person.contact.resolve_email: find a work email (LeadMagic, Icypeas, Parallel), then verify it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from operations.contracts.person_contact import ResolveEmailOutput
from operations.person.verification import VERIFY_PLAN, Verification
from operations.runtime import OperationRun, Outcome
from operations.spec import OperationSpec, OperationStatus, need
from operations.waterfall import Plan, Step
from providers.base import ProviderResult


def _present(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


@dataclass(slots=True)
class EmailSearch(Verification):
    """What each finder is asked, and the address found (by `finder`), then verified."""

    requests: dict[str, dict[str, Any]] = field(default_factory=dict)
    finder: str | None = None

    def found(self, step: Step[Any], result: ProviderResult) -> bool:
        """Take the first finder answer that holds an address."""
        email = (result.data or {}).get("email")
        if isinstance(email, str) and email:
            self.email, self.finder = email, step.provider
            return True
        return False


def _finder(provider: str, action: str) -> Step[EmailSearch]:
    return Step(provider, action, lambda search: search.requests[provider])


# Each finder in turn; the first address found is verified (MillionVerifier, then Reoon).
PLAN = Plan(
    "first_success",
    (
        _finder("leadmagic", "email_finder"),
        _finder("icypeas", "email_search"),
        _finder("parallel", "find_email"),
    ),
    take=EmailSearch.found,
    then=VERIFY_PLAN,
)


async def resolve_email(run: OperationRun) -> Outcome:
    """Ask each finder in turn for the person's work email; verify the first address found."""
    inputs = run.inputs
    first, last, full = inputs.full_name()
    domain = inputs.domain("company_domain", "company_website")
    company_name = inputs.text("company_name", max_length=200)
    if full is None:
        return run.unusable("no usable first_name, last_name or full_name")
    if domain is None and company_name is None:
        return run.unusable("neither company_domain nor company_name is usable")
    person = _present(
        {"first_name": first, "last_name": last, "company_domain": domain, "company_name": company_name}
    )
    # A lone first or last name is not a full name: LeadMagic and Parallel then skip, while Icypeas
    # searches on the one name it has.
    whole_name = full if " " in full else None
    search = EmailSearch(
        requests={
            "leadmagic": _present({**person, "full_name": whole_name}),
            "icypeas": _present({**person, "full_name": full}),
            "parallel": _present({**person, "full_name": whole_name}),
        }
    )
    await run.waterfall(search)
    if search.email is None:
        # No output at all on a miss, so a pipeline's context keeps whatever email it already had.
        return run.miss()
    output = {"email": search.email, "source_provider": search.finder, "verification": search.best}
    return Outcome(OperationStatus.FOUND, output)


OPERATIONS = [
    OperationSpec(
        id="person.contact.resolve_email",
        description="Find a person's work email (LeadMagic, Icypeas, Parallel) and verify it.",
        output=ResolveEmailOutput,
        run=resolve_email,
        requires=(
            need("company_domain", "company_website", "company_name"),
            need("first_name", "last_name", "full_name"),
        ),
        plan=PLAN,
    )
]
