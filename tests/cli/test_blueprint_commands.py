"""`dex blueprints list|show|validate`, blueprint files stored for `dex enrich`, and `dex bench`'s guard."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from click.testing import Result
from sqlalchemy import Engine
from typer.testing import CliRunner

from cli import bench as bench_cli
from cli import blueprints as blueprints_cli
from cli.context import CliError
from config import Settings

GOOD = """
name: outbound
description: Profile, people, emails.
steps:
  - position: 1
    operation_id: company.enrich.profile
  - position: 2
    operation_id: person.search
    fan_out: true
    step_config: {max_results: 5}
  - position: 3
    operation_id: person.contact.resolve_email
  - position: 4
    operation_id: person.contact.verify_email
    step_config:
      condition: {field: email, op: exists}
"""


def invoke(app: typer.Typer, settings: Settings | None, *args: str) -> Result:
    """Run a command in-process, with the test settings injected when given."""
    return CliRunner().invoke(app, list(args), obj=settings)


def test_validate_a_good_file_prints_its_steps(tmp_path: Path) -> None:
    path = tmp_path / "outbound.yaml"
    path.write_text(GOOD)
    result = invoke(blueprints_cli.app, None, "validate", str(path))
    assert result.exit_code == 0, result.output
    assert "valid blueprint 'outbound' with 4 step(s)" in result.output
    assert "results -> person" in result.output  # the fan-out
    assert '{"field":"email","op":"exists"}' in result.output.replace("\n", "").replace("│", "").replace(
        " ", ""
    )


@pytest.mark.parametrize(
    ("content", "suffix", "message"),
    [
        (
            {"steps": [{"position": 1, "operation_id": "company.enrich.nothing"}]},
            ".json",
            "unknown operation",
        ),
        (
            {"steps": [{"position": 1, "operation_id": "company.enrich.technographics", "fan_out": True}]},
            ".json",
            "no list of entities to fan out over",
        ),
        ({"steps": []}, ".json", "steps"),
        ({"name": "x", "steps": [{"position": 1}]}, ".json", "steps.0.operation_id"),
        ("steps: [unclosed", ".yaml", "not valid YAML"),
        ("[1, 2]", ".yaml", "expected an object with `steps`"),
    ],
)
def test_validate_a_bad_file_is_one_line(tmp_path: Path, content: object, suffix: str, message: str) -> None:
    path = tmp_path / f"bad{suffix}"
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    result = invoke(blueprints_cli.app, None, "validate", str(path))
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], result.output


def test_validate_a_missing_file(tmp_path: Path) -> None:
    result = invoke(blueprints_cli.app, None, "validate", str(tmp_path / "none.yaml"))
    assert result.exit_code == 1 and "cannot read blueprint file" in result.output


def test_a_file_is_stored_once_and_updated_when_it_changes(
    settings: Settings, engine: Engine, tmp_path: Path
) -> None:
    from cli.enrich import resolve_tenant

    path = tmp_path / "flow.yaml"
    path.write_text(GOOD.replace("name: outbound\n", ""))
    with engine.begin() as conn:
        org_id, _, _ = resolve_tenant(conn, None, None)
        first, note = blueprints_cli.resolve_blueprint(conn, str(path), org_id=org_id)
        assert first["name"] == "flow" and first["version"] == 1 and "stored" in note
        again, note = blueprints_cli.resolve_blueprint(conn, str(path), org_id=org_id)
        assert again["id"] == first["id"] and again["version"] == 1 and "matches" in note
        path.write_text(GOOD.replace("name: outbound\n", "").replace("max_results: 5", "max_results: 3"))
        changed, note = blueprints_cli.resolve_blueprint(conn, str(path), org_id=org_id)
        assert changed["id"] == first["id"] and changed["version"] == 2 and "version 2" in note
        by_name, _ = blueprints_cli.resolve_blueprint(conn, "flow", org_id=org_id)
        assert by_name["version"] == 2
        with pytest.raises(CliError, match="no blueprint named 'nope'"):
            blueprints_cli.resolve_blueprint(conn, "nope", org_id=org_id)
    listed = invoke(blueprints_cli.app, settings, "list")
    assert listed.exit_code == 0 and "flow" in listed.output and str(first["id"]) in listed.output
    shown = invoke(blueprints_cli.app, settings, "show", "flow")
    assert shown.exit_code == 0, shown.output
    assert "flow  version 2  active" in shown.output and "Profile, people, emails." in shown.output
    assert "1. company.enrich.profile (company)" in shown.output
    assert 'fan-out results -> person  config {"max_results":3}' in shown.output
    missing = invoke(blueprints_cli.app, settings, "show", "nope")
    assert missing.exit_code == 1 and "no blueprint named 'nope'" in missing.output


def test_list_without_a_local_tenant(settings: Settings, engine: Engine) -> None:
    result = invoke(blueprints_cli.app, settings, "list")
    assert result.exit_code == 0 and "no blueprints in the local tenant" in result.output
    other = invoke(blueprints_cli.app, settings, "list", "--org", "not-a-uuid")
    assert other.exit_code == 1 and "--org must be a UUID" in other.output


def test_help_on_every_command() -> None:
    for app, args in (
        (blueprints_cli.app, ["--help"]),
        (blueprints_cli.app, ["list", "--help"]),
        (blueprints_cli.app, ["show", "--help"]),
        (blueprints_cli.app, ["validate", "--help"]),
        (bench_cli.app, ["--help"]),
    ):
        result = invoke(app, None, *args)
        assert result.exit_code == 0 and "Usage" in result.output, (args, result.output)


def test_bench_refuses_an_unknown_benchmark() -> None:
    result = invoke(bench_cli.app, None, "no_such_bench")
    assert result.exit_code == 1 and "unknown benchmark(s): no_such_bench" in result.output
