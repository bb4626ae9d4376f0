"""person.contact.resolve_mobile_phone: a mobile number from LeadMagic or BlitzAPI (configurable order)."""

from __future__ import annotations

from operator import itemgetter
from typing import Any

from operations.contracts.person_contact import ResolveMobileOutput
from operations.runtime import OperationRun, Outcome
from operations.spec import OperationSpec, OperationStatus, need
from operations.waterfall import Plan, Step
from providers.base import Outcome as ProviderOutcome

PLAN = Plan(
    "first_success",
    (
        Step("leadmagic", "mobile_finder", itemgetter("leadmagic")),
        Step("blitzapi", "find_phone", itemgetter("blitzapi")),
    ),
)


async def resolve_mobile(run: OperationRun) -> Outcome:
    """Ask each provider in order for the person's mobile number; the first number found wins."""
    linkedin = run.inputs.linkedin("profile_url", "linkedin_url", kind="in")
    work_email = run.inputs.email("work_email", "email")
    personal_email = run.inputs.email("personal_email")
    if linkedin is None and work_email is None and personal_email is None:
        return run.unusable("no usable LinkedIn profile URL or email address")
    leadmagic = {"linkedin_url": linkedin, "work_email": work_email, "personal_email": personal_email}
    # BlitzAPI finds phones by LinkedIn profile only; without one its attempt is recorded as skipped.
    blitzapi: dict[str, Any] = {"linkedin_url": linkedin} if linkedin else {}
    found = await run.waterfall(
        {"leadmagic": {k: v for k, v in leadmagic.items() if v is not None}, "blitzapi": blitzapi}
    )
    if found is None or found.outcome is not ProviderOutcome.FOUND:
        return run.miss()
    phone = (found.data or {}).get("mobile_phone")
    if not isinstance(phone, str) or not phone:
        return run.miss()
    return Outcome(OperationStatus.FOUND, {"mobile_phone": phone, "source_provider": found.provider})


OPERATIONS = [
    OperationSpec(
        id="person.contact.resolve_mobile_phone",
        description="Find a person's mobile number from their LinkedIn profile or email address.",
        output=ResolveMobileOutput,
        run=resolve_mobile,
        # `email` is what resolve_email leaves in a pipeline's context, so it counts as a work email.
        requires=(need("profile_url", "linkedin_url", "work_email", "personal_email", "email"),),
        plan=PLAN,
        order_configurable=True,
    )
]
