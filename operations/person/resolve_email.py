"""person.contact.resolve_email: find a work email (LeadMagic, Icypeas, Parallel), then verify it."""

from __future__ import annotations

from typing import Any

from operations.contracts.person_contact import ResolveEmailOutput
from operations.person.verification import VERIFIERS, verify_address
from operations.runtime import OperationRun, Outcome
from operations.spec import OperationSpec, OperationStatus, calls, need
from providers.base import Outcome as ProviderOutcome

FINDERS = ("leadmagic", "icypeas", "parallel")
_ACTIONS = {"leadmagic": "email_finder", "icypeas": "email_search", "parallel": "find_email"}


def _present(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


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
    plan = {
        "leadmagic": _present({**person, "full_name": whole_name}),
        "icypeas": _present({**person, "full_name": full}),
        "parallel": _present({**person, "full_name": whole_name}),
    }
    for provider, action, provider_inputs in run.ordered({p: (_ACTIONS[p], plan[p]) for p in FINDERS}):
        result = await run.call(provider, action, provider_inputs)
        email = (result.data or {}).get("email")
        if result.outcome is ProviderOutcome.FOUND and isinstance(email, str) and email:
            verdict = await verify_address(run, email)
            output = {"email": email, "source_provider": provider, "verification": verdict}
            return Outcome(OperationStatus.FOUND, output)
    # No output at all on a miss, so a pipeline's context keeps whatever email it already had.
    return run.miss()


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
        providers=(*FINDERS, *VERIFIERS),
        calls=(
            *(calls(p, _ACTIONS[p]) for p in FINDERS),
            *(calls(p, "verify", after_found=True) for p in VERIFIERS),
        ),
    )
]
