"""Fixtures of the command-line tests that run dex as its own processes on a local cluster of their own."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from cluster.local_nodes import node_processes, ray_temp_root
from cluster.runtime import stop_local_cluster


@pytest.fixture
def state_dir(tmp_path: Path) -> Iterator[Path]:
    """A DEX_STATE_DIR of its own; whatever local cluster a test started there is stopped afterwards."""
    state = tmp_path / "state"
    state.mkdir()
    yield state
    stop_local_cluster(state)
    assert not node_processes(str(ray_temp_root(state / "ray"))), "every process of the cluster stopped"


@pytest.fixture
def ray_tmpdir() -> Iterator[Path]:
    """Ray's temp folder for the dex processes (RAY_TMPDIR), short enough for Ray's socket paths."""
    with tempfile.TemporaryDirectory(prefix="dexrt-") as folder:
        (Path(folder) / "ray").mkdir()
        yield Path(folder)
