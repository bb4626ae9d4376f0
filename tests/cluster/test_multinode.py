"""Two Ray nodes on this machine: chunks on both, one gateway per provider, no 429, a node lost mid-batch.

The run is the `multinode` benchmark's, smaller, in a process of its own: this test process may
already hold the session's in-process Ray, and a process joins one Ray cluster only.
"""

from __future__ import annotations

import json
import subprocess
import sys

RUN = """
import dataclasses, json
from benchmarks.bench_multinode import run_multinode
result = run_multinode(
    60, rates={"leadmagic": 10.0, "revenueinfra": 10.0, "storeleads": 30.0}, chunk_size=6, companies=5000
)
print("RESULT " + json.dumps(dataclasses.asdict(result)))
"""


def test_a_batch_on_two_nodes_survives_losing_the_worker_node() -> None:
    finished = subprocess.run(
        [sys.executable, "-c", RUN], capture_output=True, text=True, timeout=900, check=False
    )
    assert finished.returncode == 0, finished.stderr[-3000:]
    line = next(x for x in finished.stdout.splitlines() if x.startswith("RESULT "))
    result = json.loads(line.removeprefix("RESULT "))
    assert result["nodes"] == 2
    assert result["chunks_by_node"].get("head") and result["chunks_by_node"].get("worker-1"), result
    assert result["gateways_by_provider"] == {"leadmagic": 1, "revenueinfra": 1, "storeleads": 1}
    assert result["gateways_on_head"]
    assert result["rate_limited"] == 0
    assert result["killed_at_s"] is not None, "the worker node's raylet was killed mid-batch"
    assert result["status"] == "completed"
    assert result["lost"] == 0
    assert result["duplicated"] == 0
