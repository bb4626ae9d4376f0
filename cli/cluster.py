"""`dex cluster start | stop | status`: the local Ray cluster that outlives every dex command."""

from __future__ import annotations

import time
from collections import Counter
from typing import Annotated, Any

import typer

from cli.context import CliError, one_line_errors, settings_or_exit
from config import Settings

app = typer.Typer(
    help="The local Ray cluster dex runs batches on: its own processes, kept running between commands.",
    no_args_is_help=True,
)
GIB = 1024**3


def ray_line(info: dict[str, Any]) -> str:
    """Say in one line which Ray this process joined and whether it outlives the command."""
    how = {
        "persistent": "the local cluster, started now; it keeps running until `dex cluster stop`"
        if info.get("started_now")
        else "the local cluster",
        "in_process": "inside this process; it stops with it",
        "address": "RAY_ADDRESS",
    }.get(info.get("mode", "address"), "joined")
    return f"Ray at {info['address']} ({how}); dashboard {info['dashboard_url'] or 'not started'}"


def _refuse_with_address(settings: Settings, action: str) -> None:
    address = settings.cluster.ray_address
    if address:
        raise CliError(
            f"RAY_ADDRESS is set ({address}): dex uses that cluster and does not {action} it; "
            "unset RAY_ADDRESS to use a local one"
        )


@app.command("start")
@one_line_errors
def start() -> None:
    """Start the local Ray cluster (or say where it already runs); it runs until `dex cluster stop`."""
    from cluster.local_nodes import LocalClusterError
    from cluster.runtime import ensure_local_cluster, foreign_cluster

    settings = settings_or_exit()
    _refuse_with_address(settings, "start")
    foreign = foreign_cluster()
    try:
        record, started = ensure_local_cluster(settings.cluster, settings.dex_state_dir)
    except LocalClusterError as exc:
        raise CliError(str(exc)) from exc
    if foreign:
        typer.echo(
            f"note: a Ray cluster dex did not start runs at {foreign}; dex keeps its own beside it "
            f"(set RAY_ADDRESS={foreign} to use that one instead)"
        )
    verb = "started" if started else "already running"
    typer.echo(f"local Ray cluster {verb} at {record.address}; dashboard {record.dashboard_url or 'off'}")
    typer.echo("dex serve, dex enrich and dex demo join it; `dex cluster stop` ends it")


@app.command("stop")
@one_line_errors
def stop(
    force: Annotated[
        bool, typer.Option("--force", help="Stop at once, without letting provider calls in flight answer.")
    ] = False,
) -> None:
    """Stop the local Ray cluster dex started (only its processes), and every batch running on it.

    First its batches stop gracefully: no new provider call starts, calls already sent get
    STOP_GRACE_S to answer, and what they bought is written; the batches resume at the next start.
    """
    from cluster.runtime import connect, local_cluster, shutdown, stop_local_cluster

    settings = settings_or_exit()
    _refuse_with_address(settings, "stop")
    running = local_cluster(settings.dex_state_dir).running()
    if running and not force:
        from cluster.stopping import stop_batches

        try:
            connect(settings.cluster, state_dir=settings.dex_state_dir)
            summary = stop_batches(settings.cluster.stop_grace_s)
            if summary.submissions:
                typer.echo(
                    f"stopped {len(summary.submissions)} batch(es) in {summary.seconds:,.1f}s; "
                    f"{summary.runs_stopped:,} runs resume at the next start"
                )
        except Exception as exc:  # the cluster is going down anyway
            typer.echo(f"could not stop the batches gracefully ({str(exc).strip()[:200]}); stopping anyway")
        finally:
            shutdown()
    stopped = stop_local_cluster(settings.dex_state_dir)
    if running:
        typer.echo(f"stopped the local Ray cluster ({stopped} processes)")
    elif stopped:
        typer.echo(f"the local Ray cluster was not running; cleared {stopped} processes it left")
    else:
        typer.echo("no local Ray cluster was running")


@app.command("status")
@one_line_errors
def status(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Every resource of every node.")] = False,
) -> None:
    """Say whether the cluster runs, where, its dashboard, its nodes and their resources, dex's actors."""
    from cluster.local_nodes import node_processes
    from cluster.runtime import connect, local_cluster, shutdown

    settings = settings_or_exit()
    managed = local_cluster(settings.dex_state_dir)
    record = None
    if settings.cluster.ray_address:
        typer.echo(f"dex uses the Ray cluster at RAY_ADDRESS={settings.cluster.ray_address}")
    else:
        record = managed.record()
        if not managed.running():
            left = sum(len(node_processes(node.temp_dir)) for node in record.nodes) if record else 0
            typer.echo(f"no local Ray cluster runs (recorded under {managed.record_dir})")
            if left:
                typer.echo(f"{left} processes of a stopped one are left: `dex cluster stop` clears them")
            typer.echo(
                "`dex cluster start` starts one; dex serve, dex enrich and dex demo start it when needed"
            )
            return
        age = time.time() - record.started_at if record else 0.0
        typer.echo(f"local Ray cluster running for {_duration(age)}")
    try:
        info = connect(settings.cluster, state_dir=settings.dex_state_dir)
    except Exception as exc:  # RAY_ADDRESS unreachable, or the cluster died meanwhile
        raise CliError(f"cannot reach the Ray cluster: {str(exc).strip().splitlines()[0]}") from exc
    try:
        for line in _overview(info, record, verbose=verbose):
            typer.echo(line)
    finally:
        shutdown()


def _overview(info: dict[str, Any], record: Any, *, verbose: bool) -> list[str]:
    import ray

    from cluster.runtime import NAMESPACE

    names = {}
    if record is not None:
        names = {node.temp_dir: node.name for node in record.nodes}
    lines = [f"address: {info['address']}", f"dashboard: {info['dashboard_url'] or 'not started'}"]
    nodes = ray.nodes()
    alive = [node for node in nodes if node["Alive"]]
    lines.append(
        f"nodes: {len(alive)} alive"
        + (f", {len(nodes) - len(alive)} gone" if len(nodes) > len(alive) else "")
    )
    for node in alive:
        resources: dict[str, float] = node["Resources"]
        socket_path = str(node.get("ObjectStoreSocketName", ""))
        name = next((n for path, n in names.items() if socket_path.startswith(path + "/")), None)
        role = "head" if "node:__internal_head__" in resources else "worker"
        label = f"{name} ({role})" if name and name != role else role
        custom = {
            key: value
            for key, value in resources.items()
            if key not in ("CPU", "GPU", "memory", "object_store_memory") and not key.startswith("node:")
        }
        extra = ", " + ", ".join(f"{k} {v:g}" for k, v in sorted(custom.items())) if custom else ""
        lines.append(
            f"  {label} at {node['NodeManagerAddress']}: {resources.get('CPU', 0):g} CPU, "
            f"memory {resources.get('memory', 0) / GIB:.1f} GiB, object store "
            f"{resources.get('object_store_memory', 0) / GIB:.1f} GiB{extra}"
        )
        if verbose:
            lines.append(f"    id {node['NodeID']}; resources {resources}")
    total, free = ray.cluster_resources(), ray.available_resources()
    lines.append(f"CPU in use: {total.get('CPU', 0) - free.get('CPU', 0):g} of {total.get('CPU', 0):g}")
    actors = Counter(
        _actor_kind(actor["name"])
        for actor in ray.util.list_named_actors(all_namespaces=True)
        if actor["namespace"] == NAMESPACE
    )
    described = ", ".join(f"{count} {kind}" for kind, count in sorted(actors.items())) or "none"
    lines.append(f"dex actors: {described}")
    return lines


def _actor_kind(name: str) -> str:
    if name.startswith("submission:"):
        return "batch coordinator(s)"
    if name.startswith("provider:"):
        return "provider gateway(s)"
    if name.startswith("dex:chunk-launcher"):
        return "chunk launcher"
    return "other named actor(s)"


def _duration(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m" if hours else f"{minutes}m {secs:02d}s"
