"""person.contact.verify_email: a verdict on an existing address (MillionVerifier, then Reoon)."""

from __future__ import annotations

from operations.contracts.person_contact import VerifyEmailOutput
from operations.person.verification import VERIFY_PLAN, Verification
from operations.runtime import OperationRun, Outcome
from operations.spec import OperationSpec, OperationStatus, need


async def verify_email(run: OperationRun) -> Outcome:
    """Verify the context's email; `verified` when a verifier gave a verdict."""
    email = run.inputs.email("email", "work_email")
    if email is None:
        return run.unusable("email is not an email address")
    verification = Verification(email)
    await run.waterfall(verification)
    if verification.best is None:
        return run.miss()
    return Outcome(OperationStatus.VERIFIED, {"email": email, "verification": verification.best})


OPERATIONS = [
    OperationSpec(
        id="person.contact.verify_email",
        description="Verify an address; Reoon is asked only when MillionVerifier is inconclusive.",
        output=VerifyEmailOutput,
        run=verify_email,
        requires=(need("email", "work_email"),),
        plan=VERIFY_PLAN,
        order_configurable=True,
    )
]
