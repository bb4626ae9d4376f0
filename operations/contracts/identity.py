"""Contract of company.resolve.identity: a company's canonical domain, name and LinkedIn page."""

from __future__ import annotations

from typing import Literal

from operations.contracts.base import Contract


class CompanyIdentityOutput(Contract):
    """company.resolve.identity.

    `method` says where the lookup started: a domain or URL in the input (`domain`), an email address's
    domain (`email`), or a provider's search by name or LinkedIn page (`lookup`). `source_provider` is the
    provider that matched the company (None when none did); `confidence` is `high` when one did
    (Parallel's own confidence for its research), `medium` when the domain is only the input's.
    """

    company_domain: str
    company_name: str | None = None
    company_linkedin_url: str | None = None
    confidence: Literal["high", "medium", "low"]
    method: Literal["domain", "email", "lookup"]
    source_provider: str | None = None
