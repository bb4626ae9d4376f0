"""person.contact.verify_email: a verdict on an existing address (MillionVerifier, then Reoon)."""

from __future__ import annotations

from operations.contracts.person_contact import VerifyEmailOutput
from operations.person.verification import VERIFIERS, verify_address
from operations.runtime import OperationRun, Outcome
from operations.spec import OperationSpec, OperationStatus, calls, need


async def verify_email(run: OperationRun) -> Outcome:
    """Verify the context's email; `verified` when a verifier gave a verdict."""
    email = run.inputs.email("email", "work_email")
    if email is None:
        return run.unusable("email is not an email address")
    verdict = await verify_address(run, email)
    if verdict is None:
        return run.miss()
    return Outcome(OperationStatus.VERIFIED, {"email": email, "verification": verdict})


OPERATIONS = [
    OperationSpec(
        id="person.contact.verify_email",
        description="Verify an address; Reoon is asked only when MillionVerifier is inconclusive.",
        output=VerifyEmailOutput,
        run=verify_email,
        requires=(need("email", "work_email"),),
        providers=VERIFIERS,
        order_configurable=True,
        calls=tuple(calls(p, "verify") for p in VERIFIERS),
    )
]
