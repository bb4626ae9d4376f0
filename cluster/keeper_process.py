"""The keeper's process: joins the persistent local cluster, owns the chunk launcher, waits for SIGTERM.

See cluster/keeper.py for why the cluster has a keeper; this module is what it runs.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from pathlib import Path

import ray

from cluster.coordinator import chunk_launcher
from cluster.keeper import MODULE, READY
from cluster.runtime import join
from config import ClusterSettings

log = logging.getLogger(__name__)


def main(argv: list[str] | None = None) -> int:
    """Join the cluster, create the chunk launcher, warm its workers, then wait for SIGTERM."""
    parser = argparse.ArgumentParser(prog=f"python -m {MODULE}", description=__doc__)
    parser.add_argument("--address", required=True, help="GCS address of the cluster")
    parser.add_argument("--log", required=True, type=Path, help="log file (in the head's temp folder)")
    parser.add_argument("--warm", type=int, default=0, help="worker processes to start for chunks")
    parser.add_argument(
        "--ready-timeout",
        type=float,
        default=None,
        help="seconds the chunk launcher may take to answer (default: KEEPER_READY_TIMEOUT_S's setting)",
    )
    args = parser.parse_args(argv)
    if args.ready_timeout is None:
        args.ready_timeout = ClusterSettings().keeper_ready_timeout_s
    logging.basicConfig(
        filename=args.log, level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        join(args.address)
        launcher = chunk_launcher()
        ray.get(launcher.running.remote(None), timeout=args.ready_timeout)
        log.info("%s: the chunk launcher belongs to this job (pid %d)", READY, os.getpid())
        if args.warm:
            warmed = ray.get(launcher.warm.remote(args.warm), timeout=300)
            log.info("%d chunk workers warm", warmed)
    except Exception:
        log.exception("the keeper could not take its place")
        return 1
    stop.wait()
    log.info("stopping")
    ray.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
