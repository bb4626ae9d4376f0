"""Contracts of person contact operations: resolve email, verify email, resolve mobile phone."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from operations.contracts.base import Contract


class Verification(BaseModel):
    """A verifier's verdict on an address."""

    model_config = ConfigDict(extra="forbid")

    provider: str
    status: str  # valid | invalid | catch_all | unknown | disposable | role_account | …
    inconclusive: bool
    raw_response: dict[str, Any] | None


class VerifyEmailOutput(Contract):
    """person.contact.verify_email."""

    email: str
    verification: Verification


class ResolveEmailOutput(Contract):
    """person.contact.resolve_email; `verification` is None when no verifier answered."""

    email: str | None = None
    source_provider: Literal["leadmagic", "icypeas", "parallel"] | None = None
    verification: Verification | None = None


class ResolveMobileOutput(Contract):
    """person.contact.resolve_mobile_phone."""

    mobile_phone: str | None = None
    source_provider: Literal["leadmagic", "blitzapi"] | None = None
