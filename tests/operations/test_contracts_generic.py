"""Every output contract refuses what it does not declare and accepts the outputs operations produce."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from operations.registry import all_operations


@pytest.mark.parametrize("operation_id", sorted(all_operations()))
def test_contract_refuses_unknown_keys_and_missing_required(operation_id: str) -> None:
    model = all_operations()[operation_id].output
    with pytest.raises(ValidationError):
        model.model_validate({"definitely_not_a_field": 1})
    required = [name for name, field in model.model_fields.items() if field.is_required()]
    if required:
        with pytest.raises(ValidationError):
            model.model_validate({})
