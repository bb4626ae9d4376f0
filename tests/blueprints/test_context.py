"""The context merge: outputs join the context, and a null never erases a value."""

from __future__ import annotations

from blueprints.context import merge_context


def test_non_null_values_overwrite_and_nulls_keep() -> None:
    context = {"email": "jane@acme.com", "company_domain": "acme.com", "score": 1}
    merged = merge_context(context, {"email": None, "score": 2, "verification": {"status": "valid"}})
    assert merged == {
        "email": "jane@acme.com",
        "company_domain": "acme.com",
        "score": 2,
        "verification": {"status": "valid"},
    }
    assert context["score"] == 1, "the input context is not mutated"
    assert merge_context(context, None) == context and merge_context({}, {"x": None}) == {"x": None}
