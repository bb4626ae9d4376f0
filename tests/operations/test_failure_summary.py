"""A failed operation says what each provider answered, in a few words a person can act on."""

from __future__ import annotations

import pytest

from operations.runtime import Attempt, failure_summary


def _tried(provider: str, status: str = "failed", **fields: object) -> Attempt:
    return Attempt(provider, "lookup", status, **fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("attempts", "said"),
    [
        (
            [
                _tried("leadmagic", error_class="rate_limited", http_status=429),
                _tried("leadmagic", error_class="rate_limited", http_status=429),
                _tried("leadmagic", error_class="server_error", http_status=500),
                _tried("icypeas", error_class="timeout"),
                _tried("parallel", "skipped", skip_reason="missing_provider_api_key"),
            ],
            "leadmagic: 429 \N{MULTIPLICATION SIGN}2, 500; icypeas: timeout; parallel: no key",
        ),
        (
            [_tried("prospeo", "not_found"), _tried("blitzapi", error_class="no_credits")],
            "prospeo: not found; blitzapi: no credits",
        ),
        (
            [_tried("reoon", error_class="provider_error", message="circuit open after repeated failures")],
            "reoon: circuit open",
        ),
        ([_tried("reoon", "skipped", skip_reason="no_credits")], "reoon: no credits"),
        ([], "no provider was tried"),
    ],
)
def test_the_summary_names_each_providers_failure(attempts: list[Attempt], said: str) -> None:
    message, details = failure_summary(attempts)
    assert message == said
    assert [d["provider"] for d in details] == [a.provider for a in attempts]
