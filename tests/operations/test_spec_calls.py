"""Every operation declares the provider actions it may call, and each is a real adapter action."""

from __future__ import annotations

import pytest

from operations.registry import all_operations
from operations.spec import OperationSpec, calls
from providers.registry import all_providers


@pytest.mark.parametrize("operation_id", sorted(all_operations()))
def test_each_provider_of_an_operation_names_actions_its_adapter_has(operation_id: str) -> None:
    spec = all_operations()[operation_id]
    assert sorted(c.provider for c in spec.calls) == sorted(spec.providers)
    for declared in spec.calls:
        actions = all_providers()[declared.provider].actions
        assert declared.actions, f"{declared.provider} declares no action"
        assert set(declared.every_action) <= set(actions), declared


def test_a_declaration_must_match_the_providers() -> None:
    base = all_operations()["company.enrich.technographics"]
    with pytest.raises(ValueError, match="calls must name each provider once"):
        OperationSpec(
            id="x.y",
            description="",
            output=base.output,
            run=base.run,
            providers=("leadmagic",),
            calls=(calls("leadmagic", "technographics"), calls("prospeo", "enrich_company")),
        )


def test_resolve_email_verifies_only_after_a_finder_found() -> None:
    spec = all_operations()["person.contact.resolve_email"]
    assert [c.provider for c in spec.calls if c.after_found] == ["millionverifier", "reoon"]
    assert spec.calls_of("leadmagic") == calls("leadmagic", "email_finder")
