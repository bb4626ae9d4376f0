"""`dex enrich` end to end (real PostgreSQL, the session's Ray, the sandbox over HTTP), and `dex status`."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any
from uuid import UUID

import polars as pl
import pytest
import typer
from click.testing import Result
from rich.console import Console
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from cli import enrich as enrich_cli
from cli import status as status_cli
from cli.enrich import EnrichRequest, run_enrich
from cli.progress import Snapshot
from config import Settings
from providers.sandbox.server import SandboxServer
from providers.sandbox.world import World
from store.tables import operation_runs, orgs, pipeline_runs, submissions
from tests.factories import ApiClient, make_tenant
from tests.support.sandbox import knobs

pytestmark = pytest.mark.usefixtures("ray_cluster", "engine")

OUTBOUND = """
name: cli-outbound
steps:
  - position: 1
    operation_id: company.enrich.technographics
  - position: 2
    operation_id: person.search
    fan_out: true
    step_config: {max_results: 2}
"""
TECHNOGRAPHICS = {
    "name": "cli-tech",
    "steps": [{"position": 1, "operation_id": "company.enrich.technographics"}],
}


def invoke(app: typer.Typer, settings: Settings, *args: str) -> Result:
    """Run a command in-process with the test settings injected."""
    return CliRunner().invoke(app, list(args), obj=settings, env={"COLUMNS": "200"})


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def read_rows(path: Path) -> list[dict[str, Any]]:
    if path.suffix == ".parquet":
        return pl.read_parquet(path).to_dicts()
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def submission_id_of(output: str) -> UUID:
    line = next(x for x in output.splitlines() if x.startswith("submission ") and "entities of" in x)
    return UUID(line.split()[1].rstrip(":"))


def check_technographics(
    world: World, rows: list[dict[str, Any]], domains: list[str], records: list[int] | None = None
) -> None:
    """Each output row is its input record (by default 1..n), with the technologies LeadMagic knows."""
    expected = records or list(range(1, len(domains) + 1))
    assert [r["input_row"] for r in rows] == [str(i) for i in expected]
    assert [r["dex_company_domain"] for r in rows] == domains
    assert all(r["dex_status"] == "succeeded" for r in rows)
    known = 0
    for row, domain in zip(rows, domains, strict=True):
        company = world.company(domain)
        assert company is not None
        if world.knows("leadmagic", domain):
            known += 1
            names = {t["name"] for t in json.loads(row["dex_technologies"])}
            assert names == {t.name for t in company.tech_stack}, domain
            assert int(row["dex_technology_count"]) == len(company.tech_stack)
        else:
            assert not row.get("dex_technologies") or json.loads(row["dex_technologies"]) in ([], None)
    assert known, "the sample holds companies LeadMagic knows"


def test_a_csv_with_auto_mapped_headers_is_enriched_with_its_fan_out(
    settings: Settings, world: World, tmp_path: Path, engine: Engine
) -> None:
    domains = world.sample_domains(8, seed_offset=301)
    source = write_csv(
        tmp_path / "accounts.csv",
        ["Company Name", "Website", "Owner"],
        [[world.company(d).name, f"https://www.{d}/", "sam"] for d in domains],  # type: ignore[union-attr]
    )
    blueprint = tmp_path / "outbound.yaml"
    blueprint.write_text(OUTBOUND)
    out = tmp_path / "results.csv"
    result = invoke(enrich_cli.app, settings, str(source), "--blueprint", str(blueprint), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "local operator org 'local'" in result.output
    assert "Company Name -> company_name; Website -> company_website" in result.output
    assert "ignored columns: Owner" in result.output
    assert "stored outbound.yaml as blueprint 'cli-outbound'" in result.output
    assert "person.search" in result.output and "prospeo" in result.output  # the summary tables
    rows = read_rows(out)
    check_technographics(world, rows, domains)
    # The input comes first, unchanged and in its order; the results follow under one prefix.
    assert list(rows[0])[:4] == ["Company Name", "Website", "Owner", "input_row"]
    assert all(k.startswith("dex_") for k in list(rows[0])[4:])
    assert [r["Website"] for r in rows] == [f"https://www.{d}/" for d in domains]
    assert [r["dex_company_name"] for r in rows] == [world.company(d).name for d in domains]  # type: ignore[union-attr]
    assert "dex_results" not in rows[0], "the fan-out list is in the children file, not here"
    children = read_rows(tmp_path / "results.children.csv")
    assert children and all(c["dex_entity_type"] == "person" and c["dex_depth"] == "1" for c in children)
    for child in children:
        parent_domain = domains[int(child["input_row"]) - 1]
        assert child["dex_full_name"] in {p.full_name for p in world.people(parent_domain)}
        assert child["dex_parent_run_id"] == rows[int(child["input_row"]) - 1]["dex_run_id"]
    assert "dex_raw" not in children[0]
    assert "every input row, 0 of them invalid" in result.output
    with engine.connect() as conn:
        stored = conn.execute(
            select(func.count())
            .select_from(pipeline_runs)
            .where(pipeline_runs.c.submission_id == submission_id_of(result.output))
        ).scalar_one()
    assert stored == len(rows) + len(children)
    # The same file again reuses the stored blueprint rather than making a new version.
    again = invoke(
        enrich_cli.app, settings, str(source), "-b", str(blueprint), "-o", str(tmp_path / "r2.csv")
    )
    assert again.exit_code == 0 and "matches stored blueprint 'cli-outbound' (version 1)" in again.output


def test_a_parquet_file_with_explicit_mapping_for_a_tenant(
    settings: Settings, api: ApiClient, world: World, tmp_path: Path
) -> None:
    tenant = make_tenant(api)
    domains = world.sample_domains(12, seed_offset=302)
    source = tmp_path / "input.parquet"
    pl.DataFrame({"acct": [f"acct-{i}" for i in range(12)], "site_ref": domains}).write_parquet(source)
    blueprint = tmp_path / "tech.json"
    blueprint.write_text(json.dumps(TECHNOGRAPHICS))
    out = tmp_path / "enriched.parquet"
    args = [
        "--map",
        "site_ref=company_domain",
        "--org",
        str(tenant.org_id),
        "--company",
        str(tenant.company_ids[1]),
    ]
    result = invoke(enrich_cli.app, settings, str(source), "-b", str(blueprint), "-o", str(out), *args)
    assert result.exit_code == 0, result.output
    assert "site_ref -> company_domain" in result.output and "ignored columns: acct" in result.output
    assert str(tenant.company_ids[1]) in result.output
    check_technographics(world, read_rows(out), domains)
    # Parquet in, Parquet out: the input's columns keep their types and values.
    assert pl.read_parquet(out).select("acct", "site_ref").equals(pl.read_parquet(source))
    assert not (tmp_path / "enriched.children.parquet").exists(), "no fan-out, no children file"
    # Without --map, nothing in this file looks like a known input.
    refused = invoke(enrich_cli.app, settings, str(source), "-b", str(blueprint), "-o", str(out))
    assert refused.exit_code == 1 and "use --map column=field" in refused.output


def test_bad_rows_are_reported_by_line_and_refused_unless_skipped(
    settings: Settings, world: World, tmp_path: Path, engine: Engine
) -> None:
    good = world.sample_domains(5, seed_offset=303)
    rows = [[good[0], ""], [good[1], ""], ["not a domain!", ""], [good[2], ""], ["", ""], [good[3], ""]]
    rows += [["", "Only A Name"], [good[4], ""]]
    source = write_csv(tmp_path / "mixed.csv", ["domain", "notes"], rows)
    blueprint = tmp_path / "tech.json"
    blueprint.write_text(json.dumps(TECHNOGRAPHICS))
    out = tmp_path / "out.csv"
    refused = invoke(enrich_cli.app, settings, str(source), "-b", str(blueprint), "-o", str(out))
    assert refused.exit_code == 1
    assert "3 of 8 rows cannot be used" in refused.output
    assert "line 4, column domain: not a valid company domain: 'not a domain!'" in refused.output
    assert "line 6: empty row" in refused.output and "line 8: empty row" in refused.output
    assert "error: refused: 3 bad rows (fix them, or pass --skip-invalid)" in refused.output
    assert refused.output.count("\n") < 20 and "Traceback" not in refused.output
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(submissions)).scalar_one() == 0
    assert not out.exists()
    accepted = invoke(
        enrich_cli.app, settings, str(source), "-b", str(blueprint), "-o", str(out), "--skip-invalid"
    )
    assert accepted.exit_code == 0, accepted.output
    assert "skipping 3 bad rows" in accepted.output
    assert "8 rows: every input row, 3 of them invalid" in accepted.output
    results = read_rows(out)
    assert [r["domain"] for r in results] == [r[0] for r in rows], "every input row, in input order"
    check_technographics(world, [r for r in results if r["dex_status"] != "invalid"], good, [1, 2, 4, 6, 8])
    invalid = {int(r["input_row"]): r["dex_error"] for r in results if r["dex_status"] == "invalid"}
    assert sorted(invalid) == [3, 5, 7]
    assert "domain: not a valid company domain" in invalid[3] and "empty row" in invalid[5]


def test_a_row_the_blueprint_cannot_use_is_a_bad_row(
    settings: Settings, world: World, tmp_path: Path
) -> None:
    source = write_csv(
        tmp_path / "names.csv", ["Company", "Domain"], [["Acme", ""], ["Beta", world.sample_domains(1)[0]]]
    )
    blueprint = tmp_path / "tech.json"
    blueprint.write_text(json.dumps(TECHNOGRAPHICS))
    result = invoke(
        enrich_cli.app, settings, str(source), "-b", str(blueprint), "-o", str(tmp_path / "o.csv")
    )
    assert result.exit_code == 1
    assert "line 2: company.enrich.technographics needs company_domain" in result.output


def test_errors_are_one_line(settings: Settings, tmp_path: Path) -> None:
    source = write_csv(tmp_path / "in.csv", ["domain"], [["acme.com"]])
    cases = [
        ([str(source), "-b", "no-such-blueprint", "-o", str(tmp_path / "o.csv")], "no blueprint named"),
        ([str(source), "-b", "x", "-o", str(tmp_path / "o.txt")], "must be .csv or .parquet"),
        ([str(source), "-b", "x", "-o", "/proc/dex-results.csv"], "cannot write /proc/dex-results.csv"),
        ([str(source), "-b", "x", "-o", str(tmp_path / "no" / "o.csv")], "no such directory"),
        ([str(tmp_path / "missing.csv"), "-b", "x", "-o", str(tmp_path / "o.csv")], "no such file"),
        (["--resume", "not-an-id", "-o", str(tmp_path / "o.csv")], "--resume must be a UUID"),
        (["--resume", str(UUID(int=1)), "-o", str(tmp_path / "o.csv")], "not found"),
        (
            [str(source), "-b", "x", "-o", str(tmp_path / "o.csv"), "--org", str(UUID(int=2))],
            "needs --company",
        ),
    ]
    for args, message in cases:
        result = invoke(enrich_cli.app, settings, *args)
        assert result.exit_code == 1, (args, result.output)
        assert message in result.output and "Traceback" not in result.output, result.output


def test_an_interrupted_run_resumes_to_completion_without_duplicate_work(
    settings: Settings, world: World, tmp_path: Path, engine: Engine, sandbox: SandboxServer
) -> None:
    import ray

    from cluster.coordinator import find_coordinator

    # Eight chunks of 50 behind a gateway capped at 50 concurrent calls of 1 s: the interrupt lands early.
    domains = world.sample_domains(400, seed_offset=304)
    source = write_csv(tmp_path / "big.csv", ["domain"], [[d] for d in domains])
    blueprint = tmp_path / "tech.json"
    blueprint.write_text(json.dumps(TECHNOGRAPHICS))
    out = tmp_path / "out.csv"
    seen: list[Snapshot] = []

    def interrupt(snapshot: Snapshot) -> None:
        # Ctrl-C once some entities are done, and the head goes down with it (the coordinator dies).
        seen.append(snapshot)
        if snapshot.roots_done >= 1:
            handle = find_coordinator(submission_id_of(console.export_text(clear=False)))
            assert handle is not None
            ray.kill(handle, no_restart=True)
            raise KeyboardInterrupt

    console = Console(record=True, width=200)
    request = EnrichRequest(out=out, input=source, blueprint=str(blueprint))
    with knobs(sandbox, "leadmagic", latency_ms=1000), pytest.raises(typer.Exit) as stopped:
        run_enrich(settings, request, console, on_poll=interrupt)
    assert stopped.value.exit_code == 130
    text = console.export_text(clear=False)
    submission_id = submission_id_of(text)
    assert f"dex enrich --resume {submission_id} --out {out}" in text
    assert 1 <= seen[-1].roots_done < len(domains) and not out.exists()
    with engine.connect() as conn:
        finished_before = dict(
            conn.execute(
                select(pipeline_runs.c.id, pipeline_runs.c.finished_at).where(
                    pipeline_runs.c.submission_id == submission_id, pipeline_runs.c.status == "succeeded"
                )
            ).all()
        )
    assert finished_before
    resumed = invoke(enrich_cli.app, settings, "--resume", str(submission_id), "--out", str(out))
    assert resumed.exit_code == 0, resumed.output
    assert f"re-attaching to submission {submission_id}" in resumed.output
    with engine.connect() as conn:
        runs = conn.execute(select(pipeline_runs).where(pipeline_runs.c.submission_id == submission_id)).all()
        per_step = conn.execute(
            select(operation_runs.c.pipeline_run_id, operation_runs.c.step_position, func.count())
            .where(operation_runs.c.submission_id == submission_id)
            .group_by(operation_runs.c.pipeline_run_id, operation_runs.c.step_position)
        ).all()
        status = conn.execute(
            select(submissions.c.status).where(submissions.c.id == submission_id)
        ).scalar_one()
    assert status == "completed" and len(runs) == len(domains)
    assert all(r.status == "succeeded" for r in runs)
    assert len(per_step) == len(domains) and all(n == 1 for _, _, n in per_step), "each run's step ran once"
    assert {r.id: r.finished_at for r in runs if r.id in finished_before} == finished_before, "done runs kept"
    check_technographics(world, read_rows(out), domains)
    # Re-attaching to a finished submission only writes the results again.
    again = invoke(
        enrich_cli.app, settings, "--resume", str(submission_id), "--out", str(tmp_path / "again.csv")
    )
    assert again.exit_code == 0 and "Ray at" not in again.output
    assert read_rows(tmp_path / "again.csv") == read_rows(out)


def test_status_shows_counts_cost_and_steps(
    settings: Settings, world: World, tmp_path: Path, engine: Engine
) -> None:
    domains = world.sample_domains(6, seed_offset=305)
    source = write_csv(tmp_path / "in.csv", ["Domain"], [[d] for d in domains])
    blueprint = tmp_path / "tech.json"
    blueprint.write_text(json.dumps(TECHNOGRAPHICS))
    done = invoke(enrich_cli.app, settings, str(source), "-b", str(blueprint), "-o", str(tmp_path / "o.csv"))
    assert done.exit_code == 0, done.output
    submission_id = submission_id_of(done.output)
    result = invoke(status_cli.app, settings, str(submission_id))
    assert result.exit_code == 0, result.output
    assert f"submission {submission_id}  completed" in result.output
    assert "cli-tech (version 1)" in result.output and "6 entities" in result.output
    assert "6 succeeded" in result.output and "company.enrich.technographics" in result.output
    assert "leadmagic" in result.output
    with engine.connect() as conn:
        org_slug = conn.execute(select(orgs.c.slug)).scalar_one()
    assert org_slug == "local"
    missing = invoke(status_cli.app, settings, str(UUID(int=3)))
    assert missing.exit_code == 1 and "not found" in missing.output
