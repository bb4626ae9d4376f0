"""Where long-lived actors run: on the head node, which lives as long as the cluster does.

Ray places an actor that asks for no resources (ours ask for `num_cpus=0`) on a random node. On a
cluster of several nodes, a coordinator, the chunk launcher or a gateway on a worker node would die
with that node, and a gateway with it would strand every chunk holding its handle. The head's loss
ends the cluster anyway, so that is where they go. Chunk tasks are the opposite: spread over every
node, since any node can run them and a lost chunk is replayed.
"""

from __future__ import annotations

from typing import Any

import ray
from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

HEAD_RESOURCE = "node:__internal_head__"  # Ray gives it to the head node only


def head_node_id() -> str | None:
    """Return the id of the connected cluster's head node (None if no live node says it is the head)."""
    # Looked up each time (one GCS call, once per actor created): a cached id would outlive a
    # restarted cluster, and a hard affinity to a node that is gone never schedules.
    for node in ray.nodes():  # type: ignore[no-untyped-call]
        if node["Alive"] and HEAD_RESOURCE in node["Resources"]:
            return str(node["NodeID"])
    return None


def on_head_node() -> dict[str, Any]:
    """Return `.options(...)` arguments that place an actor on the head node.

    Hard, not soft: Ray 2.60 ignores a soft node affinity for an actor that asks for no resources
    (half of such actors landed on the worker node of a two-node cluster), and once the head is
    gone the cluster is gone too. Without a head node (an odd cluster) Ray places it as it likes.
    """
    head = head_node_id()
    if head is None:
        return {}
    return {"scheduling_strategy": NodeAffinitySchedulingStrategy(node_id=head, soft=False)}


def spread_over_nodes() -> dict[str, Any]:
    """Return `.options(...)` arguments that spread tasks over every node rather than fill the local one."""
    return {"scheduling_strategy": "SPREAD"}
