"""`dex enrich` and the inputs a blueprint declares: a file with no column for one is refused up front."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli import enrich as enrich_cli
from config import Settings
from tests.cli.test_enrich import invoke, write_csv

pytestmark = pytest.mark.usefixtures("engine")

DECLARED = {
    "name": "cli-declared",
    "entity_inputs": ["company_domain"],
    "steps": [{"position": 1, "operation_id": "company.enrich.technographics"}],
}


@pytest.fixture
def blueprint(tmp_path: Path) -> Path:
    path = tmp_path / "declared.json"
    path.write_text(json.dumps(DECLARED))
    return path


def test_a_file_without_a_declared_input_column_is_refused_in_one_line(
    settings: Settings, tmp_path: Path, blueprint: Path
) -> None:
    source = write_csv(tmp_path / "names.csv", ["Company Name", "Notes"], [["Acme", "x"], ["Beta", "y"]])
    out = tmp_path / "out.csv"
    for extra in ([], ["--dry-run"]):
        result = invoke(enrich_cli.app, settings, str(source), "-b", str(blueprint), "-o", str(out), *extra)
        assert result.exit_code == 1, result.output
        assert [line for line in result.output.splitlines() if line.startswith("error:")] == [
            "error: names.csv: no column supplies company_domain, which blueprint 'cli-declared' needs in "
            "every row (its entity_inputs); add the column, or --map COLUMN=company_domain"
        ]
        assert "line 2" not in result.output and not out.exists()


def test_a_website_or_mapped_column_supplies_the_domain(
    settings: Settings, tmp_path: Path, blueprint: Path
) -> None:
    websites = write_csv(
        tmp_path / "sites.csv", ["Company Name", "Website"], [["Acme", "https://acme.com/x"]]
    )
    result = invoke(enrich_cli.app, settings, str(websites), "-b", str(blueprint), "--dry-run")
    assert result.exit_code == 0, result.output
    hosts = write_csv(tmp_path / "hosts.csv", ["Company Name", "Host"], [["Acme", "acme.com"], ["Beta", ""]])
    mapped = ["--map", "Host=company_domain", "--dry-run"]
    result = invoke(enrich_cli.app, settings, str(hosts), "-b", str(blueprint), *mapped)
    assert result.exit_code == 1 and "line 3: missing company_domain" in result.output, result.output
