"""The keeper: a small driver that lives as long as the persistent local cluster and owns its long-lived work.

Ray ties every worker process to the job (driver) it started for, and once that driver exits it
stops the job's workers as soon as they fall idle. Were the chunk launcher created by `dex serve` or
`dex enrich`, then after that command ended every chunk would start, and import the engine into, a
fresh worker (seconds each), and so would every new coordinator. Created by the keeper instead, the
launcher, the coordinators it starts and their chunk workers belong to a job that ends only with the
cluster: workers stay warm across commands, and a coordinator starts on an idle one at once.

Started by `cluster.runtime.ensure_local_cluster` as `python -m cluster.keeper_process` (its main), in
its own session.
Its log sits in the head node's Ray temp folder, so the cluster's stop finds (and stops) it too.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import psutil

from cluster.local_nodes import ClusterRecord, LocalClusterError, node_processes

READY = "keeper ready"
LOG_NAME = "dex-keeper.log"
MODULE = "cluster.keeper_process"  # what start_keeper runs (`python -m`)


def keeper_running(record: ClusterRecord) -> bool:
    """Return whether the cluster's keeper process is alive."""
    head = next(node for node in record.nodes if node.head)
    return any(MODULE in " ".join(_cmdline(p)) for p in node_processes(head.temp_dir, descendants=False))


def start_keeper(record: ClusterRecord, *, warm_workers: int, ready_timeout_s: float) -> None:
    """Start the keeper of a running cluster; wait up to ready_timeout_s until it owns the chunk launcher."""
    head = next(node for node in record.nodes if node.head)
    log_path = Path(head.temp_dir) / LOG_NAME
    log_path.unlink(missing_ok=True)
    command = [sys.executable, "-m", MODULE, "--address", record.address, "--log", str(log_path)]
    command += ["--warm", str(warm_workers), "--ready-timeout", str(ready_timeout_s)]
    env = {k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"} | record.env
    # Its own session, as the nodes: a Ctrl-C meant for the command that started it must not reach it.
    subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
        start_new_session=True,
    )
    deadline = time.monotonic() + ready_timeout_s
    while time.monotonic() < deadline:
        text = log_path.read_text(errors="replace") if log_path.exists() else ""
        if READY in text:
            return
        if "Traceback" in text or "could not take its place" in text:
            raise LocalClusterError(f"the cluster's keeper failed to start (log: {log_path})")
        time.sleep(0.1)
    raise LocalClusterError(f"the cluster's keeper did not start in {ready_timeout_s:.0f}s (log: {log_path})")


def _cmdline(process: psutil.Process) -> list[str]:
    try:
        return list(process.cmdline())
    except psutil.Error:  # gone meanwhile
        return []
