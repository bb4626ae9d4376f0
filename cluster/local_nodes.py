"""Ray nodes on this machine as their own processes: `ray start` a head or a worker node, find, kill, stop.

A cluster started here outlives the process that started it (`dex serve`, `dex enrich`), so it is
recorded in a folder (`cluster.json`) for any later process to join, inspect or stop. Each node gets
its own Ray temp folder: every process Ray starts for the node names that folder on its command line
(workers are that node's raylet's children), so a node's processes are found, and stopped, without
touching any other Ray on the machine. `ray stop` is never used: it stops every Ray of the user.

The address file `ray start` writes lands in that temp folder too, never in Ray's shared one, so
`ray.init()` elsewhere on the machine does not stumble on this cluster.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

import psutil

RECORD_FILE = "cluster.json"
# Ray's own default GCS port: on this kind of machine it is often a Redis server, so never chosen.
RESERVED_PORTS = frozenset({6379})


class LocalClusterError(RuntimeError):
    """A local node could not be started or stopped; the message says why in one line."""


@dataclass
class NodeRecord:
    """One node started by `ray start`: what it was given and where its processes are recorded."""

    name: str
    head: bool
    temp_dir: str
    num_cpus: int | None = None
    resources: dict[str, float] = field(default_factory=dict)


@dataclass
class ClusterRecord:
    """What a later process needs to join or stop the cluster."""

    address: str
    dashboard_url: str | None
    nodes: list[NodeRecord]
    started_at: float
    env: dict[str, str] = field(default_factory=dict)

    def node(self, name: str) -> NodeRecord:
        """Return the recorded node of that name."""
        for node in self.nodes:
            if node.name == name:
                return node
        raise LocalClusterError(f"no node named {name!r} in this cluster")


def free_port() -> int:
    """Return a TCP port nothing listens on now (never one of RESERVED_PORTS)."""
    while True:
        with socket.socket() as probe:
            probe.bind(("", 0))
            port = int(probe.getsockname()[1])
        if port not in RESERVED_PORTS:
            return port


def port_is_free(port: int) -> bool:
    """Return whether nothing listens on the port (on any interface)."""
    with socket.socket() as probe:
        try:
            probe.bind(("", port))
        except OSError:
            return False
    return True


def free_port_from(port: int) -> int:
    """Return `port` if it is free, else the next free one above it (else any free port)."""
    for candidate in range(port, port + 100):
        if candidate not in RESERVED_PORTS and port_is_free(candidate):
            return candidate
    return free_port()


def ray_temp_root(record_dir: Path) -> Path:
    """Return where this record's nodes keep Ray's temp folders.

    Not under the record folder itself: Ray puts Unix sockets in it, whose paths may not exceed
    107 bytes, and a state folder can sit deep. A short folder named after the record's path instead.
    """
    digest = hashlib.sha256(str(record_dir.resolve()).encode()).hexdigest()[:10]
    return Path(tempfile.gettempdir()) / f"dex-ray-{digest}"


class LocalCluster:
    """A Ray cluster whose nodes run on this machine, recorded in `record_dir`."""

    def __init__(self, record_dir: Path, *, start_timeout_s: float, stop_grace_s: float) -> None:
        self.record_dir = record_dir
        self.start_timeout_s = start_timeout_s  # of one `ray start`
        self.stop_grace_s = stop_grace_s  # SIGTERM to SIGKILL, per node

    @property
    def record_path(self) -> Path:
        return self.record_dir / RECORD_FILE

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the record's lock: one process at a time starts, stops or checks this cluster."""
        self.record_dir.mkdir(parents=True, exist_ok=True)
        with (self.record_dir / "lock").open("w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def record(self) -> ClusterRecord | None:
        """Return what was recorded, or None when nothing was (or the file is unreadable)."""
        try:
            data = json.loads(self.record_path.read_text())
            nodes = [NodeRecord(**node) for node in data.pop("nodes")]
            return ClusterRecord(nodes=nodes, **data)
        except (OSError, ValueError, TypeError, KeyError):
            return None

    def _save(self, record: ClusterRecord) -> None:
        self.record_dir.mkdir(parents=True, exist_ok=True)
        partial = self.record_path.with_suffix(".tmp")
        partial.write_text(json.dumps(asdict(record), indent=2))
        partial.replace(self.record_path)

    def running(self) -> bool:
        """Return whether the recorded head node's GCS and raylet are alive."""
        record = self.record()
        if record is None:
            return False
        head = next((node for node in record.nodes if node.head), None)
        if head is None:
            return False
        names = {process.name() for process in node_processes(head.temp_dir, descendants=False)}
        return {"gcs_server", "raylet"} <= names and address_answers(record.address)

    def start_head(
        self,
        *,
        num_cpus: int | None = None,
        resources: Mapping[str, float] | None = None,
        port: int | None = None,
        dashboard_port: int | None = None,
        env: Mapping[str, str] | None = None,
    ) -> ClusterRecord:
        """Start the head node (GCS, raylet, dashboard when a port is given); record and return it.

        `env` is added to the environment of every process of the cluster (RAY_* settings are read
        by the raylet). Leftovers of an earlier cluster of this record are stopped first.
        """
        self.stop()
        port = port or free_port()
        if port in RESERVED_PORTS or not port_is_free(port):
            raise LocalClusterError(f"port {port} is taken: choose another for the local Ray cluster")
        node = NodeRecord(
            name="head",
            head=True,
            temp_dir=str(ray_temp_root(self.record_dir) / "head"),
            num_cpus=num_cpus,
            resources=dict(resources or {}),
        )
        args = ["--head", "--port", str(port), "--ray-client-server-port", str(free_port())]
        if dashboard_port is None:
            args += ["--include-dashboard", "false"]
        else:
            args += ["--include-dashboard", "true", "--dashboard-host", "127.0.0.1"]
            args += ["--dashboard-port", str(dashboard_port)]
        self._ray_start(node, args, dict(env or {}))
        address = _read_address(Path(node.temp_dir))
        record = ClusterRecord(
            address=address,
            dashboard_url=None if dashboard_port is None else f"http://127.0.0.1:{dashboard_port}",
            nodes=[node],
            started_at=time.time(),
            env=dict(env or {}),
        )
        self._save(record)
        return record

    def add_worker(
        self, name: str, *, num_cpus: int | None = None, resources: Mapping[str, float] | None = None
    ) -> NodeRecord:
        """Start a worker node that joins the recorded head (`ray start --address`); record it."""
        record = self.record()
        if record is None:
            raise LocalClusterError("no local cluster is recorded: start its head first")
        if any(node.name == name for node in record.nodes):
            raise LocalClusterError(f"a node named {name!r} is already recorded")
        node = NodeRecord(
            name=name,
            head=False,
            temp_dir=str(ray_temp_root(self.record_dir) / name),
            num_cpus=num_cpus,
            resources=dict(resources or {}),
        )
        self._ray_start(node, ["--address", record.address], record.env)
        record.nodes.append(node)
        self._save(record)
        return node

    def _ray_start(self, node: NodeRecord, args: list[str], env: dict[str, str]) -> None:
        command = [*_ray_command(), "start", *args, "--temp-dir", node.temp_dir, "--disable-usage-stats"]
        # The dashboard agent's listen port defaults to one fixed port: two nodes on one machine clash.
        command += ["--dashboard-agent-listen-port", str(free_port())]
        if node.num_cpus is not None:
            command += ["--num-cpus", str(node.num_cpus)]
        if node.resources:
            command += ["--resources", json.dumps(node.resources)]
        log_path = self.record_dir / f"{node.name}.start.log"
        child_env = {k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"} | env
        self.record_dir.mkdir(parents=True, exist_ok=True)
        with log_path.open("w") as log:
            # Its own session: a Ctrl-C in the terminal of the process that started it, or a signal to
            # that process's group, must not reach the cluster. Output to a file, not a pipe: the
            # daemons `ray start` leaves behind inherit it and would hold a pipe open for ever.
            try:
                finished = subprocess.run(
                    command,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    env=child_env,
                    start_new_session=True,
                    timeout=self.start_timeout_s,
                    check=False,
                )
            except subprocess.TimeoutExpired as exc:
                stop_node_processes(node.temp_dir, self.stop_grace_s)
                raise LocalClusterError(
                    f"`ray start` of node {node.name} took over {self.start_timeout_s:.0f}s"
                ) from exc
        if finished.returncode != 0:
            stop_node_processes(node.temp_dir, self.stop_grace_s)
            raise LocalClusterError(f"`ray start` of node {node.name} failed: {_last_error(log_path)}")

    def kill_node(self, name: str, sig: signal.Signals = signal.SIGKILL, *, raylet_only: bool = False) -> int:
        """Send a signal to a node's processes (or only its raylet); return how many got it."""
        node = self.record_node(name)
        processes = node_processes(node.temp_dir)
        if raylet_only:
            processes = [p for p in processes if _name(p) == "raylet"]
        return _signal_all(processes, sig)

    def record_node(self, name: str) -> NodeRecord:
        """Return the recorded node of that name."""
        record = self.record()
        if record is None:
            raise LocalClusterError("no local cluster is recorded")
        return record.node(name)

    def stop(self) -> int:
        """Stop every recorded node's processes (workers first, then the head); forget the record.

        Returns how many processes were stopped.
        """
        record = self.record()
        stopped = 0
        if record is not None:
            for node in sorted(record.nodes, key=lambda n: n.head):
                stopped += stop_node_processes(node.temp_dir, self.stop_grace_s)
            # The head's Ray Client server is a daemon of its own (its parent is init) whose command
            # line names no temp folder: it is found by the head's address.
            stopped += stop_processes(client_servers(record.address), self.stop_grace_s)
        # Whatever is left under this record's temp folders (a node whose record was lost).
        root = ray_temp_root(self.record_dir)
        stopped += stop_node_processes(str(root), self.stop_grace_s)
        self.record_path.unlink(missing_ok=True)
        # Ray's logs and sockets of the stopped nodes: a new start makes a new session anyway.
        shutil.rmtree(root, ignore_errors=True)
        return stopped


def node_processes(temp_dir: str, *, descendants: bool = True) -> list[psutil.Process]:
    """Return the processes of the node whose Ray temp folder is `temp_dir`, and their children."""
    marker = temp_dir.rstrip("/") + "/"
    found: dict[int, psutil.Process] = {}
    for process in psutil.process_iter(["cmdline"]):
        try:
            cmdline = " ".join(process.info["cmdline"] or ())
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        if marker in cmdline and process.pid != os.getpid():
            found[process.pid] = process
    if descendants:
        # Workers retitle themselves ("ray::ChunkLauncher"): they are found as the raylet's children.
        for process in list(found.values()):
            try:
                found.update({child.pid: child for child in process.children(recursive=True)})
            except psutil.NoSuchProcess:
                continue
    return list(found.values())


def client_servers(address: str) -> list[psutil.Process]:
    """Return the Ray Client server processes serving the cluster whose head is at address."""
    found = []
    for process in psutil.process_iter(["cmdline"]):
        try:
            args = process.info["cmdline"] or ()
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        if "ray.util.client.server" in args and f"--address={address}" in args:
            found.append(process)
    return found


def stop_node_processes(temp_dir: str, grace_s: float) -> int:
    """Terminate a node's processes, kill what is left after `grace_s`; return how many there were."""
    return stop_processes(node_processes(temp_dir), grace_s)


def stop_processes(processes: list[psutil.Process], grace_s: float) -> int:
    """Terminate processes, kill what is left after `grace_s`; return how many there were."""
    _signal_all(processes, signal.SIGTERM)
    _, alive = psutil.wait_procs(processes, timeout=grace_s)
    _signal_all(alive, signal.SIGKILL)
    psutil.wait_procs(alive, timeout=grace_s)
    return len(processes)


def _signal_all(processes: list[psutil.Process], sig: signal.Signals) -> int:
    sent = 0
    for process in processes:
        try:
            process.send_signal(sig)
            sent += 1
        except psutil.NoSuchProcess:
            continue
    return sent


def _name(process: psutil.Process) -> str:
    try:
        return str(process.name())
    except psutil.NoSuchProcess:
        return ""


def _ray_command() -> list[str]:
    # The `ray` script of this interpreter's environment, so that workers run this environment's Python.
    script = Path(sys.executable).with_name("ray")
    return [str(script)] if script.exists() else [sys.executable, "-m", "ray.scripts.scripts"]


def _read_address(temp_dir: Path) -> str:
    try:
        return (temp_dir / "ray_current_cluster").read_text().strip()
    except OSError as exc:
        raise LocalClusterError(f"`ray start` left no address file in {temp_dir}") from exc


def address_answers(address: str, timeout_s: float = 2.0) -> bool:
    """Return whether something accepts TCP connections at host:port."""
    host, _, port = address.rpartition(":")
    try:
        with socket.create_connection((host, int(port)), timeout=timeout_s):
            return True
    except (OSError, ValueError):
        return False


def _last_error(log_path: Path) -> str:
    lines = [line.strip() for line in log_path.read_text(errors="replace").splitlines() if line.strip()]
    errors = [line for line in lines if "Error" in line or "error" in line]
    return (errors or lines or ["no output"])[-1][:300] + f" (log: {log_path})"
