"""The `dex` command: serve the API, run the demo, migrate the database, administer tenants."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli import admin, bench, blueprints, enrich, providers, status
from cli import cluster as cluster_cli
from cli.context import INTERRUPTED, CliError, head_revision, one_line_errors, open_database, settings_or_exit
from cli.entry import interrupted
from config import Settings
from migrations.runner import current_revision, downgrade, upgrade
from store.engine import resolve_database_url

app = typer.Typer(
    name="dex",
    help="data-engine-x: multi-tenant entity intelligence on Ray and PostgreSQL.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema (Alembic migrations).", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(admin.app, name="admin")
app.add_typer(blueprints.app, name="blueprints")
app.add_typer(cluster_cli.app, name="cluster")
app.command("enrich")(enrich.enrich)
app.command("status")(status.status)
app.command("providers")(providers.providers)
app.command("bench", context_settings={"allow_extra_args": True})(bench.bench)


def _serve(settings: Settings, host: str, port: int, *, cluster: bool = True) -> None:
    import uvicorn

    from api.app import create_app

    info: dict[str, object] = {}
    with open_database(settings, migrate=True) as db:
        if cluster:
            from cli.cluster import ray_line
            from cluster.launch import resume_unfinished, warm_workers
            from cluster.runtime import connect

            info = connect(settings.cluster, state_dir=settings.dex_state_dir)
            typer.echo(ray_line(info))
            resumed = resume_unfinished(settings)
            warm_workers(settings, wait=False)
            if resumed:
                typer.echo(f"resumed {len(resumed)} unfinished submission(s)")
        application = create_app(settings, db.engine)
        typer.echo(f"API on http://{host}:{port}  (OpenAPI at /openapi.json, docs at /docs)")
        # Ray living in this process (RAY_LOCAL_MODE=in_process) ends with it: on SIGTERM or Ctrl-C the
        # app's shutdown stops its batches gracefully first. (The persistent cluster keeps running them.)
        application.state.stop_batches_on_shutdown = bool(info.get("stops_with_process"))
        uvicorn.run(application, host=host, port=port, log_level="info")


@app.command()
@one_line_errors
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address (default API_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default API_PORT).")] = None,
    cluster: Annotated[
        bool,
        typer.Option("--cluster/--no-cluster", help="Connect to Ray (RAY_ADDRESS, else the local cluster)."),
    ] = True,
) -> None:
    """Start the API head node: migrate, join (or start) Ray, resume unfinished submissions, serve."""
    settings = settings_or_exit()
    _serve(settings, host or settings.api.api_host, port or settings.api.api_port, cluster=cluster)


@app.command()
@one_line_errors
def demo(
    out_dir: Annotated[
        Path | None, typer.Option("--out-dir", help="Where the results go (default DEX_STATE_DIR/demo).")
    ] = None,
    rows: Annotated[
        int | None,
        typer.Option(
            "--rows", min=1, max=2_000, help="How many of the 2,000 sample companies (default 400)."
        ),
    ] = None,
) -> None:
    """Run the main job on embedded defaults: sample companies through the outbound blueprint."""
    from rich.console import Console

    from cli.demo import DEMO_ROWS, run_demo

    settings = settings_or_exit()
    if not settings.is_development:
        raise CliError("dex demo creates a known demo login, so it runs only with DEX_ENV=development")
    console = Console(highlight=False, soft_wrap=True)
    run_demo(settings, console, out_dir or settings.dex_state_dir / "demo", rows or DEMO_ROWS)


@app.command()
def sandbox(
    host: Annotated[str, typer.Option(help="Bind address (loopback by default).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8900,
    seed: Annotated[int, typer.Option(help="Seed of the synthetic world.")] = 7,
    companies: Annotated[int, typer.Option(help="Companies in the world.")] = 20_000,
    api_key: Annotated[str, typer.Option(help="The key every sandboxed provider accepts.")] = "sandbox-key",
    knobs: Annotated[
        str, typer.Option(help='Per provider JSON, e.g. {"prospeo": {"rate_per_second": 5}}.')
    ] = "{}",
    default_knobs: Annotated[
        str, typer.Option(help='JSON for every provider, e.g. {"latency_ms": 80}.')
    ] = "{}",
) -> None:
    """Serve every provider's API offline from a deterministic synthetic world (the provider sandbox).

    Point the engine at it with PROVIDER_SANDBOX_URL=http://HOST:PORT and each *_API_KEY set to the key.
    Stats at GET /_sandbox/stats; knobs at GET/POST /_sandbox/knobs.
    """
    from providers.sandbox.server import serve

    typer.echo(
        f"provider sandbox on http://{host}:{port} (seed {seed}, {companies} companies, key {api_key})"
    )
    serve(
        host, port, seed=seed, companies=companies, api_key=api_key, knobs=knobs, default_knobs=default_knobs
    )


@db_app.command("upgrade")
@one_line_errors
def db_upgrade(revision: Annotated[str, typer.Argument(help="Target revision.")] = "head") -> None:
    """Migrate the database up (to the newest schema by default)."""
    url = resolve_database_url(settings_or_exit())
    upgrade(url, revision)
    typer.echo(f"database at revision {current_revision(url)}")


@db_app.command("downgrade")
@one_line_errors
def db_downgrade(
    revision: Annotated[str, typer.Argument(help="Target revision; `base` drops everything.")],
    yes: Annotated[bool, typer.Option("--yes", help="Confirm; downgrading can drop data.")] = False,
) -> None:
    """Migrate the database down."""
    if not yes:
        raise CliError("downgrading can drop data: pass --yes to confirm")
    url = resolve_database_url(settings_or_exit())
    downgrade(url, revision)
    typer.echo(f"database at revision {current_revision(url)}")


@db_app.command("current")
@one_line_errors
def db_current() -> None:
    """Show the database's revision and the newest one."""
    url = resolve_database_url(settings_or_exit())
    typer.echo(f"current {current_revision(url)}  head {head_revision(url)}")


def main() -> None:
    """Entry point of the `dex` console script."""
    try:
        app()
    except CliError as exc:  # raised outside a command (settings, for example)
        typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
        raise SystemExit(1) from exc
    except KeyboardInterrupt:
        typer.secho("interrupted", err=True)
        raise SystemExit(INTERRUPTED) from None
    except SystemExit as exc:
        # Click turns a Ctrl-C that lands while it parses the command line into "Aborted!", exit 1.
        if interrupted() and exc.code not in (0, INTERRUPTED):
            typer.secho("interrupted", err=True)
            raise SystemExit(INTERRUPTED) from None
        raise


if __name__ == "__main__":
    main()
