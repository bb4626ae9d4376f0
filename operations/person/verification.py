"""Email verification waterfall shared by verify_email and resolve_email: MillionVerifier, then Reoon."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from operations.waterfall import Plan, Step
from providers.base import ProviderResult


@dataclass(slots=True)
class Verification:
    """An address to verify, and the verdicts given for it so far."""

    email: str | None = None
    verdict: dict[str, Any] | None = None  # the first conclusive one
    fallback: dict[str, Any] | None = None  # the first inconclusive one

    def take(self, step: Step[Any], result: ProviderResult) -> bool:
        """Keep a verifier's verdict; a conclusive one ends the waterfall."""
        data = result.data or {}
        verdict = {
            "provider": result.provider,
            "status": str(data.get("status") or "unknown"),
            "inconclusive": bool(data.get("inconclusive", True)),
            "raw_response": result.raw if isinstance(result.raw, dict) else None,
        }
        if not verdict["inconclusive"]:
            self.verdict = verdict
            return True
        self.fallback = self.fallback or verdict
        return False

    @property
    def best(self) -> dict[str, Any] | None:
        """The conclusive verdict if any, else the best inconclusive one, else None."""
        return self.verdict or self.fallback


def _address(verification: Verification) -> dict[str, Any]:
    return {"email": verification.email}


# The next verifier is asked only when the first is missing or inconclusive.
VERIFY_PLAN: Plan[Verification] = Plan(
    "first_success",
    (Step("millionverifier", "verify", _address), Step("reoon", "verify", _address)),
    take=Verification.take,
)
