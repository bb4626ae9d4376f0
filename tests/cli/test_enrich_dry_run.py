"""`dex enrich --dry-run`: the estimate as a table, nothing run; and its accuracy on the demo sample."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from rich.console import Console
from sqlalchemy import Engine, func, select

from cli import enrich as enrich_cli
from cli.demo import BLUEPRINT, SAMPLE, demo_settings
from cli.enrich import EnrichRequest, run_enrich
from cli.estimate import run_dry_run
from config import Settings
from providers.sandbox.server import SandboxServer
from providers.sandbox.world import World
from store.tables import submissions
from tests.cli.test_enrich import OUTBOUND, invoke, write_csv

pytestmark = pytest.mark.usefixtures("engine")


def _requests(sandbox: SandboxServer) -> int:
    return sum(int(s.get("requests", 0)) for s in sandbox.stats().values())


def test_a_dry_run_prints_the_estimate_and_runs_nothing(
    settings: Settings,
    world: World,
    sandbox: SandboxServer,
    engine: Engine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_ray(*args: object, **kwargs: object) -> None:
        raise AssertionError("a dry run must not start or join Ray")

    monkeypatch.setattr("cluster.runtime.connect", no_ray)
    domains = world.sample_domains(8, seed_offset=401)
    source = write_csv(tmp_path / "accounts.csv", ["Website"], [[d] for d in domains])
    blueprint = tmp_path / "outbound.yaml"
    blueprint.write_text(OUTBOUND)
    before = _requests(sandbox)
    result = invoke(enrich_cli.app, settings, str(source), "--blueprint", str(blueprint), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "estimate (low / expected / high)" in result.output
    assert "company.enrich.technographics" in result.output and "leadmagic" in result.output
    assert "total for 8 entities" in result.output
    assert "person.search: no history in this org" in result.output  # the defaults are stated
    assert "dry run: nothing was submitted and no provider was called" in result.output
    assert _requests(sandbox) == before
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(submissions)).scalar_one() == 0


def test_a_dry_run_refuses_a_bad_file_as_enrich_does(settings: Settings, tmp_path: Path) -> None:
    source = write_csv(tmp_path / "bad.csv", ["Website", "Owner"], [["a.example.com", "sam"], ["", "lee"]])
    blueprint = tmp_path / "outbound.yaml"
    blueprint.write_text(OUTBOUND)
    result = invoke(enrich_cli.app, settings, str(source), "--blueprint", str(blueprint), "--dry-run")
    assert result.exit_code != 0
    assert "Traceback" not in result.output and "refused" in result.output, result.output


def _slice(path: Path, start: int, stop: int) -> Path:
    with SAMPLE.open(newline="") as handle:
        rows = list(csv.reader(handle))
    with path.open("w", newline="") as handle:
        csv.writer(handle).writerows([rows[0], *rows[1 + start : 1 + stop]])
    return path


@pytest.mark.usefixtures("ray_cluster")
def test_on_the_demo_sample_the_expected_cost_is_within_20_percent_of_the_real_spend(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    console = Console(quiet=True)
    with SandboxServer(companies=20_000) as sandbox:  # the demo's world, which the sample is drawn from
        demo = demo_settings(settings, sandbox)
        # 60 of the sample build the org's history, then the next 60 are estimated and run.
        history = _slice(tmp_path / "history.csv", 0, 60)
        run_enrich(
            demo, EnrichRequest(out=tmp_path / "h.csv", input=history, blueprint=str(BLUEPRINT)), console
        )
        rest = _slice(tmp_path / "rest.csv", 60, 120)
        before = _requests(sandbox)
        estimate = run_dry_run(demo, EnrichRequest(out=None, input=rest, blueprint=str(BLUEPRINT)), console)
        assert _requests(sandbox) == before
        real = run_enrich(
            demo, EnrichRequest(out=tmp_path / "r.csv", input=rest, blueprint=str(BLUEPRINT)), console
        )
    spent = real.snapshot.cost_usd
    error = (estimate.cost_usd.expected - spent) / spent
    with capsys.disabled():
        print(
            f"\ndry run, 60 demo companies after 60 of history: expected ${estimate.cost_usd.expected:.2f} "
            f"(low ${estimate.cost_usd.low:.2f}, high ${estimate.cost_usd.high:.2f}), real ${spent:.2f}: "
            f"{error:+.1%}"
        )
    assert estimate.cost_usd.low <= spent <= estimate.cost_usd.high
    assert abs(error) <= 0.20
    assert all(s.history_runs >= 10 for s in estimate.steps)
