"""Ray start-up: join the cluster at RAY_ADDRESS, or start a local one with its dashboard."""

from __future__ import annotations

import logging
import os
from typing import Any

import ray

from config import ClusterSettings

NAMESPACE = "dex"
# Every worker process of our jobs runs this first: it imports the engine, the operations and the
# adapters while the worker is still idle, so the first chunk a worker runs does not pay for it.
WORKER_SETUP_HOOK = "cluster.runtime.prepare_worker"
_dashboard_url: str | None = None

log = logging.getLogger(__name__)


def connect(cluster: ClusterSettings) -> dict[str, Any]:
    """Connect this process to Ray once; return where the dashboard is."""
    global _dashboard_url
    if ray.is_initialized():
        return _describe()
    # Ray workers log to files; the driver stays quiet unless something breaks.
    os.environ.setdefault("RAY_DEDUP_LOGS", "1")
    if cluster.ray_address:
        started = ray.init(
            address=cluster.ray_address,
            namespace=NAMESPACE,
            log_to_driver=False,
            runtime_env={"worker_process_setup_hook": WORKER_SETUP_HOOK},
        )
    else:
        # The raylet starts at most this many workers at once, and warns (in every driver's output)
        # once 2x as many run: by default the CPU count, which the chunk slots and actors of a
        # 2-core node exceed by design. Read from the environment by the raylet started here.
        os.environ.setdefault("RAY_worker_maximum_startup_concurrency", str(cluster.max_chunks_in_flight + 4))
        started = ray.init(
            namespace=NAMESPACE,
            num_cpus=cluster.ray_num_cpus,
            include_dashboard=cluster.ray_include_dashboard,
            dashboard_host="127.0.0.1",
            dashboard_port=cluster.ray_dashboard_port,
            log_to_driver=False,
            configure_logging=False,
            runtime_env={"worker_process_setup_hook": WORKER_SETUP_HOOK},
            # Ray keeps only as many idle workers as CPUs and kills the rest after a second idle; a
            # chunk task needs a tenth of a CPU, so every new batch would start (and import into) fresh
            # workers. Keep enough for every chunk slot. (A cluster at RAY_ADDRESS sets this itself:
            # RAY_num_workers_soft_limit on its nodes.)
            _system_config={"num_workers_soft_limit": cluster.max_chunks_in_flight + 4},
        )
    _dashboard_url = started.dashboard_url or None
    info = _describe()
    log.info("connected to Ray (%s), dashboard %s", info["address"], info["dashboard_url"])
    return info


def prepare_worker() -> None:
    """Import what chunk tasks and actors use, and load the operation and provider registries."""
    import cluster.chunk  # noqa: F401  (the engine and, through it, SQLAlchemy, Polars, aiohttp)
    from operations.registry import all_operations
    from providers.registry import all_providers

    all_operations()
    all_providers()


def _describe() -> dict[str, Any]:
    context = ray.get_runtime_context()
    dashboard = _dashboard_url
    return {
        "address": context.gcs_address,
        "dashboard_url": f"http://{dashboard}"
        if dashboard and not dashboard.startswith("http")
        else dashboard,
        "namespace": context.namespace,
    }


def shutdown() -> None:
    """Disconnect (and stop a local cluster this process started)."""
    if ray.is_initialized():
        ray.shutdown()
