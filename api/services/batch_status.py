"""The batch status: a submission's status derived from its run tree, its counters, a page of the tree."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from sqlalchemy import Connection

from api.errors import forbidden
from api.services import batch_budget
from config.vocabulary import RunStatus, SubmissionStatus
from store.repositories import batch_status

# Descendants shown under one page of roots; past this the page says it is truncated.
MAX_DESCENDANTS = 5_000


def derive_submission_status(counts: Mapping[str, int]) -> SubmissionStatus:
    """Return the submission status the run counts imply (§5.5, with the §12.6 flaws fixed).

    store/repositories/engine_runs.py's DERIVED_STATUS_SQL applies the same rule in the database.
    """
    total = sum(counts.values())
    queued, running = counts.get(RunStatus.QUEUED, 0), counts.get(RunStatus.RUNNING, 0)
    if total == 0:
        return SubmissionStatus.RECEIVED
    if queued or running:
        return SubmissionStatus.QUEUED if queued == total else SubmissionStatus.RUNNING
    if counts.get(RunStatus.SUCCEEDED, 0) == total:
        return SubmissionStatus.COMPLETED
    if counts.get(RunStatus.CANCELED, 0) == total:
        return SubmissionStatus.CANCELED
    if counts.get(RunStatus.BUDGET_EXHAUSTED, 0):
        return SubmissionStatus.BUDGET_EXHAUSTED
    return SubmissionStatus.FAILED


def reserved_under_cap(submission: Mapping[str, Any]) -> dict[str, float] | None:
    """What the cluster's budget book holds under the submission's cap, when there is one to ask."""
    if submission.get("max_cost_usd") is None:
        return None
    import ray

    if not ray.is_initialized():
        return None
    from cluster.budget import find_budget_book, submission_cap

    book = find_budget_book()
    if book is None:
        return None
    try:
        state: dict[str, dict[str, float]] = ray.get(book.state.remote(), timeout=2)
    except Exception:  # a busy or restarting book: the status answers without it
        return None
    return state.get(submission_cap(submission["id"]))


def read_status(
    *,
    conn: Connection,
    org_id: UUID,
    pinned_company: UUID | None,
    submission_id: UUID,
    page: int,
    per_page: int,
    include_steps: bool,
) -> dict[str, Any]:
    """Return the submission, its counters and cost, and the page-th page of root runs with their trees."""
    submission = batch_status.get_submission(conn=conn, submission_id=submission_id, org_id=org_id)
    if pinned_company is not None and submission["company_id"] != pinned_company:
        raise forbidden("Forbidden company access")
    counts, shape = batch_status.tally_runs(conn=conn, submission_id=submission_id)
    roots = batch_status.list_root_runs(
        conn=conn,
        submission_id=submission_id,
        limit=per_page + 1,
        offset=(page - 1) * per_page,
        roots=shape["roots"],
    )
    has_more, roots = len(roots) > per_page, roots[:per_page]
    descendants = batch_status.list_descendants(
        conn=conn,
        submission_id=submission_id,
        root_ids=[r["id"] for r in roots],
        limit=MAX_DESCENDANTS + 1,
    )
    truncated, descendants = len(descendants) > MAX_DESCENDANTS, descendants[:MAX_DESCENDANTS]
    runs = roots + descendants
    steps = (
        batch_status.list_step_results(conn=conn, run_ids=[r["id"] for r in runs], org_id=org_id)
        if include_steps
        else []
    )
    return {
        "submission": {**submission, "status": derive_submission_status(counts)},
        "summary": {
            "total": sum(counts.values()),
            **counts,
            "completed": counts[RunStatus.SUCCEEDED],
            "pending": counts[RunStatus.QUEUED],
            **shape,
        },
        "cost_usd": batch_status.cost_so_far(conn=conn, submission_id=submission_id, org_id=org_id),
        "spend": batch_budget.spend(conn, submission, reserved_under_cap(submission)),
        "runs": build_tree(roots, descendants, steps),
        "pagination": {
            "page": page,
            "per_page": per_page,
            "returned": len(roots),
            "has_more": has_more,
            "descendants": len(descendants),
            "descendants_truncated": truncated,
            "descendants_limit": MAX_DESCENDANTS,
        },
    }


def build_tree(
    roots: list[dict[str, Any]], descendants: list[dict[str, Any]], steps: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Nest each descendant under its parent, children by entity_index, each run with its steps."""
    nodes: dict[UUID, dict[str, Any]] = {}
    for run in roots + descendants:
        nodes[run["id"]] = _node(run)
    for step in steps:
        nodes[step["pipeline_run_id"]]["steps"].append(_step(step))
    for run in descendants:
        parent = nodes.get(run["parent_pipeline_run_id"])
        if parent is not None:  # the walk emits parents first, so a truncated page has no orphans
            parent["children"].append(nodes[run["id"]])
    for node in nodes.values():
        node["children"].sort(key=lambda child: child["entity_index"])
    return [nodes[run["id"]] for run in roots]


def _node(run: dict[str, Any]) -> dict[str, Any]:
    return {
        "pipeline_run_id": run["id"],
        "entity_index": run["entity_index"],
        "entity_type": run["entity_type"],
        "depth": run["depth"],
        "parent_pipeline_run_id": run["parent_pipeline_run_id"],
        "status": run["status"],
        "final_context": run["final_context"],
        "entity_id": run["entity_id"],
        "error_message": run["error_message"],
        "steps": [],
        "children": [],
    }


def _step(step: dict[str, Any]) -> dict[str, Any]:
    return {
        "step_position": step["step_position"],
        "operation_id": step["operation_id"],
        "status": step["status"],
        "skip_reason": step["skip_reason"],
        "duration_ms": step["duration_ms"],
        "cost_usd": float(step["cost_usd"]),
        "error_message": step["error_message"],
        "output": step["output_payload"],
    }
