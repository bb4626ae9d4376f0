"""A batch's spending: its cap raised (and the runs the old cap ended queued again), its spend by provider."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Connection, Engine

from api.errors import ApiError, forbidden
from store.repositories import batch_status, engine_runs


def raise_cap(engine: Engine, submission_id: uuid.UUID, max_cost_usd: float) -> int:
    """Set the submission's cap and queue again the runs a cap ended; return how many.

    Refused (409) when the new cap does not exceed what the batch has already spent.
    """
    with engine.begin() as conn:
        spent = batch_status.spent_by_provider(conn=conn, submission_id=submission_id)
        total = sum(spent.values())
        if max_cost_usd <= total:
            message = f"the new cap ${max_cost_usd:,.2f} does not exceed what the batch spent, ${total:,.2f}"
            raise ApiError(409, message, details=[{"field": "max_cost_usd", "message": message}])
        engine_runs.set_cap(conn=conn, submission_id=submission_id, max_cost_usd=max_cost_usd)
        return engine_runs.requeue_budget_exhausted(conn=conn, submission_id=submission_id)


def resume(
    engine: Engine,
    *,
    org_id: uuid.UUID,
    pinned_company: uuid.UUID | None,
    submission_id: uuid.UUID,
    max_cost_usd: float | None,
) -> dict[str, Any]:
    """Resume a batch a cap ended: raise its cap (if given) and queue the runs the cap ended."""
    with engine.connect() as conn:
        submission = batch_status.get_submission(conn=conn, submission_id=submission_id, org_id=org_id)
    if pinned_company is not None and submission["company_id"] != pinned_company:
        raise forbidden("Forbidden company access")
    if max_cost_usd is not None:
        requeued = raise_cap(engine, submission_id, max_cost_usd)
    else:
        with engine.begin() as conn:
            requeued = engine_runs.requeue_budget_exhausted(conn=conn, submission_id=submission_id)
    return {"submission_id": submission_id, "requeued_runs": requeued, "max_cost_usd": max_cost_usd}


def spend(conn: Connection, submission: dict[str, Any], reserved: dict[str, float] | None) -> dict[str, Any]:
    """The batch's spend: total and per provider (from the attempt journal), its cap, and what is reserved."""
    by_provider = batch_status.spent_by_provider(conn=conn, submission_id=submission["id"])
    cap = submission.get("max_cost_usd")
    return {
        "spent_usd": round(sum(by_provider.values()), 6),
        "by_provider": {name: round(cost, 6) for name, cost in sorted(by_provider.items())},
        "max_cost_usd": None if cap is None else float(cap),
        "reserved_usd": None if reserved is None else round(reserved.get("reserved_usd", 0.0), 6),
    }
