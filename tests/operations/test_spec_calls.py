"""Every operation's plan names provider actions its adapters have, and only plans that can run."""

from __future__ import annotations

import pytest

from operations.registry import all_operations
from operations.waterfall import Plan, ProviderCalls, Step
from providers.registry import all_providers


@pytest.mark.parametrize("operation_id", sorted(all_operations()))
def test_each_provider_of_an_operation_names_actions_its_adapter_has(operation_id: str) -> None:
    spec = all_operations()[operation_id]
    assert sorted(c.provider for c in spec.calls) == sorted(spec.providers)
    for declared in spec.calls:
        actions = all_providers()[declared.provider].actions
        assert declared.actions, f"{declared.provider} declares no action"
        assert set(declared.every_action) <= set(actions), declared


def test_a_plan_that_cannot_run_under_its_policy_is_refused() -> None:
    with pytest.raises(ValueError, match="needs a take"):
        Plan("merge_accumulate", (Step("prospeo", "enrich_company"),))
    with pytest.raises(ValueError, match="calls every step at once"):
        Plan("fixed_sequence", (Step("leadmagic", "technographics", when=bool),))


def test_resolve_email_verifies_only_after_a_finder_found() -> None:
    spec = all_operations()["person.contact.resolve_email"]
    assert [c.provider for c in spec.calls if c.after_found] == ["millionverifier", "reoon"]
    assert spec.calls_of("leadmagic") == ProviderCalls("leadmagic", ("email_finder",))
