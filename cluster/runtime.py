"""Ray start-up: join RAY_ADDRESS, else the local cluster dex keeps running, or one in-process.

The persistent local cluster (the default) is `ray start`ed as its own processes and recorded under
DEX_STATE_DIR/ray, so killing or restarting `dex serve` leaves its coordinators, gateways and workers
running, and the next `dex enrich` joins it in a second instead of starting Ray for 15-25 s. It has
its own Ray temp folder and ports: a Ray cluster someone else started on the machine, or the address
file a crashed one left in Ray's temp folder, is neither joined nor in the way (RAY_ADDRESS joins
one on purpose). The in-process mode is for tests and benchmarks: a throwaway cluster that ends
with the process.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import ray

from cluster.keeper import keeper_running, start_keeper
from cluster.local_nodes import ClusterRecord, LocalCluster, address_answers, free_port_from
from config import ClusterSettings, RayLocalMode, Settings

NAMESPACE = "dex"
# Every worker process of our jobs runs this first: it imports the engine, the operations and the
# adapters while the worker is still idle, so the first chunk a worker runs does not pay for it.
WORKER_SETUP_HOOK = "cluster.worker_setup.prepare_worker"
DEFAULT_STATE_DIR: Path = Settings.model_fields["dex_state_dir"].default
AUTH_MODE_VAR = "RAY_AUTH_MODE"
_connection: dict[str, Any] = {}

log = logging.getLogger(__name__)


def local_cluster(state_dir: Path, cluster: ClusterSettings | None = None) -> LocalCluster:
    """Return the record of the local cluster dex keeps under the state folder."""
    tuning = cluster if cluster is not None else ClusterSettings()
    return LocalCluster(
        state_dir / "ray", start_timeout_s=tuning.node_start_timeout_s, stop_grace_s=tuning.node_stop_grace_s
    )


def node_env(cluster: ClusterSettings) -> dict[str, str]:
    """Return the RAY_* settings every raylet of a dex-started cluster reads at start-up."""
    workers = str(cluster.max_chunks_in_flight + 4)
    env = {
        # Ray keeps only as many idle workers as CPUs and stops the rest after a second idle; a chunk
        # task needs a tenth of a CPU, so every new batch would start (and import into) fresh workers.
        "RAY_num_workers_soft_limit": workers,
        # The raylet starts at most this many workers at once, and warns (in every driver's output)
        # once 2x as many run: by default the CPU count, which chunk slots and actors exceed by design.
        "RAY_worker_maximum_startup_concurrency": workers,
        AUTH_MODE_VAR: _auth_mode(),
    }
    if cluster.ray_worker_nodes:
        # A lost node is declared dead after ~3 s rather than ~15 s (read by the GCS), so its
        # chunks are replayed elsewhere soon; on one machine the extra health checks cost nothing.
        env |= {"RAY_health_check_period_ms": "1000", "RAY_health_check_failure_threshold": "3"}
    return env


def node_resource(node_name: str) -> str:
    """Return the custom resource a local node advertises (one unit), naming it: `dex_node_head`, …"""
    return "dex_node_" + node_name.replace("-", "_")


def ensure_local_cluster(cluster: ClusterSettings, state_dir: Path) -> tuple[ClusterRecord, bool]:
    """Return the persistent local cluster's record, starting the cluster first if it does not run.

    The second value says whether it was started now. The cluster's keeper (cluster/keeper.py) is
    started with it, and again if it is gone.
    """
    managed = local_cluster(state_dir, cluster)
    with managed.locked():
        record = managed.record()
        if record is not None and managed.running():
            if not keeper_running(record):
                log.info("the local cluster's keeper is gone: starting it again")
                start_keeper(
                    record,
                    warm_workers=cluster.max_chunks_in_flight,
                    ready_timeout_s=cluster.keeper_ready_timeout_s,
                )
            return record, False
        foreign = foreign_cluster()
        if foreign:
            log.info(
                "a Ray cluster dex did not start runs at %s: dex starts its own beside it "
                "(set RAY_ADDRESS=%s to use that one instead)",
                foreign,
                foreign,
            )
        _ensure_auth_token()
        dashboard: int | None = None
        if cluster.ray_include_dashboard:
            dashboard = free_port_from(cluster.ray_dashboard_port)
            if dashboard != cluster.ray_dashboard_port:
                log.info(
                    "port %d is taken: the dashboard listens on %d", cluster.ray_dashboard_port, dashboard
                )
        log.info("starting the local Ray cluster (its own processes; `dex cluster stop` ends it)")
        record = managed.start_head(
            num_cpus=cluster.ray_num_cpus,
            resources={node_resource("head"): 1},
            port=cluster.ray_head_port,
            dashboard_port=dashboard,
            env=node_env(cluster),
        )
        try:
            for number in range(1, cluster.ray_worker_nodes + 1):
                name = f"worker-{number}"
                managed.add_worker(name, num_cpus=cluster.ray_num_cpus, resources={node_resource(name): 1})
            start_keeper(
                managed.record() or record,
                warm_workers=cluster.max_chunks_in_flight,
                ready_timeout_s=cluster.keeper_ready_timeout_s,
            )
        except Exception:
            managed.stop()
            raise
        return managed.record() or record, True


def stop_local_cluster(state_dir: Path, cluster: ClusterSettings | None = None) -> int:
    """Stop the persistent local cluster (only its processes); return how many processes were stopped."""
    managed = local_cluster(state_dir, cluster)
    with managed.locked():
        return managed.stop()


def foreign_cluster() -> str | None:
    """Return the address of a live Ray cluster `ray start` left in Ray's shared temp folder, if any.

    A stale address file (its cluster gone) is ignored: None.
    """
    from ray._common.utils import get_ray_address_file

    try:
        address = Path(get_ray_address_file(None)).read_text().strip()
    except OSError:
        return None
    return address if address and address_answers(address, timeout_s=1.0) else None


def connect(cluster: ClusterSettings, *, state_dir: Path | None = None) -> dict[str, Any]:
    """Connect this process to Ray once; return where it is, its dashboard, and whether it stops with us.

    RAY_ADDRESS wins; else the persistent local cluster under `state_dir` (DEX_STATE_DIR), started if
    it does not run; else (RAY_LOCAL_MODE=in_process) a cluster inside this process.
    """
    if ray.is_initialized():
        return _describe()
    # Ray workers log to files; the driver stays quiet unless something breaks.
    os.environ.setdefault("RAY_DEDUP_LOGS", "1")
    if cluster.ray_address:
        started = join(cluster.ray_address)
        _connection.update(mode="address", stops_with_process=False)
    elif cluster.ray_local_mode is RayLocalMode.IN_PROCESS:
        started = _start_in_process(cluster)
        _connection.update(mode="in_process", stops_with_process=True)
    else:
        record, fresh = ensure_local_cluster(cluster, state_dir or DEFAULT_STATE_DIR)
        # Join with the auth mode the cluster was started with, whatever this shell says.
        _set_auth_mode(record.env.get(AUTH_MODE_VAR, _auth_mode()))
        started = join(record.address)
        _connection.update(mode="persistent", stops_with_process=False, started_now=fresh)
    dashboard = started.dashboard_url or None
    _connection["dashboard_url"] = (
        f"http://{dashboard}" if dashboard and not dashboard.startswith("http") else dashboard
    )
    info = _describe()
    log.info("connected to Ray (%s, %s), dashboard %s", info["address"], info["mode"], info["dashboard_url"])
    return info


def join(address: str) -> Any:
    """Join the Ray cluster at `address` as a driver in dex's namespace (Ray's console noise off)."""
    return ray.init(
        address=address,
        namespace=NAMESPACE,
        log_to_driver=False,
        # Ray's INFO lines ("Connecting to existing Ray cluster…") stay out of dex's output.
        logging_level=logging.WARNING,
        runtime_env={"worker_process_setup_hook": WORKER_SETUP_HOOK},
    )


def _start_in_process(cluster: ClusterSettings) -> Any:
    _set_auth_mode(_auth_mode())
    # Read from the environment by the raylet started here (see node_env).
    os.environ.setdefault("RAY_worker_maximum_startup_concurrency", str(cluster.max_chunks_in_flight + 4))
    return ray.init(
        # "local" always starts a new cluster: never the one an address file in Ray's temp folder
        # names (live or stale), which would also refuse the _system_config below.
        address="local",
        namespace=NAMESPACE,
        num_cpus=cluster.ray_num_cpus,
        include_dashboard=cluster.ray_include_dashboard,
        dashboard_host="127.0.0.1",
        dashboard_port=cluster.ray_dashboard_port,
        log_to_driver=False,
        configure_logging=False,
        runtime_env={"worker_process_setup_hook": WORKER_SETUP_HOOK},
        # See node_env: RAY_num_workers_soft_limit of a started cluster.
        _system_config={"num_workers_soft_limit": cluster.max_chunks_in_flight + 4},
    )


def _auth_mode() -> str:
    """Return Ray's auth mode for local clusters, setting it in this process's environment.

    Ray turns token auth on by itself for a new local cluster and says so on the console; chosen
    explicitly (token, unless RAY_AUTH_MODE says otherwise) it stays on and Ray stays quiet.
    """
    return os.environ.setdefault(AUTH_MODE_VAR, "token")


def _set_auth_mode(mode: str) -> None:
    from ray._raylet import Config  # type: ignore[attr-defined]

    os.environ[AUTH_MODE_VAR] = mode
    # Ray reads its configuration from the environment once; read again, as Ray does when it
    # turns token auth on by itself.
    Config.initialize("")


def _ensure_auth_token() -> None:
    # `ray start` in token mode needs a token (ray.init makes one itself): make Ray's default one.
    if (
        _auth_mode().lower() != "token"
        or os.environ.get("RAY_AUTH_TOKEN")
        or os.environ.get("RAY_AUTH_TOKEN_PATH")
    ):
        return
    if not (Path.home() / ".ray" / "auth_token").exists():
        from ray._private.authentication import authentication_token_setup as token_setup

        # Ray logs where it saved the token at INFO, on the console, on a machine's first run.
        token_logger = logging.getLogger(token_setup.__name__)
        level = token_logger.level
        token_logger.setLevel(logging.WARNING)
        try:
            token_setup.generate_and_save_token()
        finally:
            token_logger.setLevel(level)


def _describe() -> dict[str, Any]:
    context = ray.get_runtime_context()
    return {
        "address": context.gcs_address,
        "dashboard_url": _connection.get("dashboard_url"),
        "namespace": context.namespace,
        "mode": _connection.get("mode", "address"),
        "stops_with_process": _connection.get("stops_with_process", False),
        "started_now": _connection.get("started_now", False),
    }


def shutdown() -> None:
    """Disconnect (and stop an in-process cluster; a persistent or joined one keeps running)."""
    if ray.is_initialized():
        ray.shutdown()
    _connection.clear()
