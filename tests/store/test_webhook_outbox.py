"""The webhook outbox: a submission's final status queues one event per transition, in its transaction."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

import pytest
from sqlalchemy import Engine, select, update

from store.repositories import engine_runs, webhooks
from store.repositories import webhook_deliveries as webhook_deliveries_repo
from store.tables import pipeline_runs, webhook_deliveries
from tests.support.engine_rows import Tenant, add_operation_run, add_runs, add_submission, make_tenant


@pytest.fixture
def tenant(engine: Engine) -> Tenant:
    return make_tenant(engine, "outbox")


def _webhook(engine: Engine, tenant: Tenant, events: list[str], company: int | None = None) -> UUID:
    values = {
        "id": uuid4(),
        "org_id": tenant.org_id,
        "company_id": None if company is None else tenant.company_ids[company],
        "url": "https://crm.example.com/hooks/dex",
        "events": events,
        "secret_sealed": "v1.not-a-real-one",
    }
    with engine.begin() as conn:
        return UUID(str(webhooks.create_webhook(conn=conn, values=values)["id"]))


def _sync(engine: Engine, submission_id: UUID) -> str:
    with engine.begin() as conn:
        return engine_runs.sync_submission_status(conn=conn, submission_id=submission_id)


def _set_runs(engine: Engine, submission_id: UUID, status: str) -> None:
    with engine.begin() as conn:
        conn.execute(
            update(pipeline_runs).where(pipeline_runs.c.submission_id == submission_id).values(status=status)
        )


def _deliveries(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        query = select(webhook_deliveries).order_by(webhook_deliveries.c.created_at)
        return [dict(r._mapping) for r in conn.execute(query)]


def test_a_final_status_queues_one_event_and_a_repeated_sync_adds_nothing(
    engine: Engine, tenant: Tenant
) -> None:
    hook = _webhook(engine, tenant, ["submission.completed", "submission.failed"])
    submission_id = add_submission(engine, tenant)
    add_runs(engine, tenant, submission_id, ["running", "succeeded"])
    add_operation_run(engine, tenant, submission_id, "0.25")
    assert _sync(engine, submission_id) == "running"
    assert _deliveries(engine) == []
    _set_runs(engine, submission_id, "succeeded")
    assert _sync(engine, submission_id) == "completed"
    assert _sync(engine, submission_id) == "completed"
    [delivery] = _deliveries(engine)
    assert (delivery["webhook_id"], delivery["status"], delivery["attempt_count"]) == (hook, "pending", 0)
    payload = delivery["payload"]
    assert payload["id"] == str(delivery["event_id"]) and payload["type"] == "submission.completed"
    data = payload["data"]
    assert data["submission_id"] == str(submission_id) and data["status"] == "completed"
    assert data["blueprint_id"] == str(tenant.blueprint_id) and data["finished_at"] is not None
    assert data["runs"]["total"] == 2 and data["runs"]["succeeded"] == 2 and data["cost_usd"] == 0.25


def test_a_submission_that_finishes_again_is_announced_again(engine: Engine, tenant: Tenant) -> None:
    _webhook(engine, tenant, ["submission.budget_exhausted"])
    submission_id = add_submission(engine, tenant)
    add_runs(engine, tenant, submission_id, ["budget_exhausted", "succeeded"])
    assert _sync(engine, submission_id) == "budget_exhausted"
    with engine.begin() as conn:  # resumed under a higher cap, then ended by it again
        assert engine_runs.requeue_budget_exhausted(conn=conn, submission_id=submission_id) == 1
    _set_runs(engine, submission_id, "budget_exhausted")
    assert _sync(engine, submission_id) == "budget_exhausted"
    events = {d["event_id"] for d in _deliveries(engine)}
    assert len(events) == 2 and len(_deliveries(engine)) == 2


def test_only_listening_webhooks_of_the_org_and_company_get_the_event(engine: Engine, tenant: Tenant) -> None:
    org_wide = _webhook(engine, tenant, ["submission.failed"])
    own_company = _webhook(engine, tenant, ["submission.failed"], company=0)
    _webhook(engine, tenant, ["submission.failed"], company=1)
    _webhook(engine, tenant, ["submission.completed"])
    other = make_tenant(engine, "outbox-other")
    _webhook(engine, other, ["submission.failed"])
    submission_id = add_submission(engine, tenant, company=0)
    add_runs(engine, tenant, submission_id, ["failed", "succeeded"])
    assert _sync(engine, submission_id) == "failed"
    deliveries = _deliveries(engine)
    assert {d["webhook_id"] for d in deliveries} == {org_wide, own_company}
    assert len({d["event_id"] for d in deliveries}) == 1  # one event, one delivery per webhook


def test_a_rolled_back_status_leaves_no_event(engine: Engine, tenant: Tenant) -> None:
    _webhook(engine, tenant, ["submission.canceled"])
    submission_id = add_submission(engine, tenant)
    add_runs(engine, tenant, submission_id, ["canceled"])
    with pytest.raises(RuntimeError), engine.begin() as conn:
        engine_runs.sync_submission_status(conn=conn, submission_id=submission_id)
        assert len(conn.execute(select(webhook_deliveries)).all()) == 1
        raise RuntimeError("the sink fails after the sync")
    assert _deliveries(engine) == []
    assert _sync(engine, submission_id) == "canceled"
    assert len(_deliveries(engine)) == 1


def test_two_deliverers_never_claim_the_same_delivery(engine: Engine, tenant: Tenant) -> None:
    _webhook(engine, tenant, ["submission.completed"])
    for _ in range(3):
        submission_id = add_submission(engine, tenant)
        add_runs(engine, tenant, submission_id, ["succeeded"])
        _sync(engine, submission_id)
    with engine.connect() as first, engine.connect() as second:
        with first.begin():
            mine = webhook_deliveries_repo.claim_due(conn=first, limit=2, lease_s=60)
            # While the first claim is uncommitted, its rows are locked: the second skips them.
            with second.begin():
                theirs = webhook_deliveries_repo.claim_due(conn=second, limit=10, lease_s=60)
        assert len(mine) == 2 and len(theirs) == 1
        assert not {r["id"] for r in mine} & {r["id"] for r in theirs}
        assert {r["attempt_count"] for r in mine + theirs} == {1}
        with second.begin():  # claimed: not due again until the lease runs out
            assert webhook_deliveries_repo.claim_due(conn=second, limit=10, lease_s=60) == []
