"""The summary tables fit the terminal: names break after dots and underscores, never mid-word."""

from __future__ import annotations

import pytest
from rich.console import Console

from cli.progress import fit_name


def test_names_break_only_after_dots_and_underscores() -> None:
    assert fit_name("person.search", 20) == "person.search"
    assert fit_name("company.research.resolve_pricing_page_url", 20) == (
        "company.research.\nresolve_pricing_\npage_url"
    )
    for width in range(12, 45):
        lines = fit_name("company.research.resolve_pricing_page_url", width).split("\n")
        assert "".join(lines) == "company.research.resolve_pricing_page_url"
        assert all(line.endswith((".", "_")) for line in lines[:-1])


def test_the_summary_tables_fit_80_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    from cli import progress

    lines = [
        progress.StepLine(1, "company.enrich.profile", 1999, 1, 0, 0, 12.34),
        progress.StepLine(2, "person.contact.resolve_email", 10_000, 2_000, 300, 4, 1234.5),
        progress.StepLine(3, "company.research.resolve_pricing_page_url", 5, 0, 0, 0, 0.0),
    ]
    monkeypatch.setattr(progress, "step_summary", lambda conn, submission_id, steps: lines)
    monkeypatch.setattr(
        progress,
        "provider_summary",
        lambda conn, submission_id: [
            {
                "provider": "leadmagic",
                "calls": 12_000,
                "found": 9_000,
                "errors": 3,
                "rate_limited": 0,
                "cost": 9.5,
            }
        ],
    )
    console = Console(width=80, record=True)
    progress.print_summary(console, None, None, [])  # type: ignore[arg-type]
    text = console.export_text()
    assert all(len(line) <= 80 for line in text.splitlines())
    for name in ("company.enrich.", "profile", "person.contact.", "resolve_email", "resolve_pricing_"):
        assert name in text
    assert "$1,234.50" in text and "leadmagic" in text
