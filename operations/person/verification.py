"""Email verification waterfall shared by verify_email and resolve_email: MillionVerifier, then Reoon."""

from __future__ import annotations

from typing import Any

from operations.runtime import OperationRun
from providers.base import Outcome, ProviderResult

VERIFIERS = ("millionverifier", "reoon")


def _verdict(result: ProviderResult) -> dict[str, Any]:
    data = result.data or {}
    return {
        "provider": result.provider,
        "status": str(data.get("status") or "unknown"),
        "inconclusive": bool(data.get("inconclusive", True)),
        "raw_response": result.raw if isinstance(result.raw, dict) else None,
    }


async def verify_address(run: OperationRun, email: str) -> dict[str, Any] | None:
    """Verify email with the first verifier, and the next only when the first is missing or inconclusive.

    Returns the conclusive verdict if any, else the best inconclusive one, else None.
    """
    fallback: dict[str, Any] | None = None
    # resolve_email's own order names the finders, not the verifiers: fall back to the default order.
    order = [p for p in run.provider_order if p in VERIFIERS] or list(VERIFIERS)
    for provider in order:
        result = await run.call(provider, "verify", {"email": email})
        if result.outcome is not Outcome.FOUND:
            continue
        verdict = _verdict(result)
        if not verdict["inconclusive"]:
            return verdict
        fallback = fallback or verdict
    return fallback
