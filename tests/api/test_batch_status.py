"""POST /api/v1/batch/status: derived status, counters, cost, the paginated run tree, auth and scale."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid4

import pytest
from sqlalchemy import Engine, func, select

from api.services import batch_status as service
from store.tables import submission_run_tallies
from tests.factories import SUPER_KEY, ApiClient
from tests.support.engine_rows import (
    Tenant,
    add_operation_run,
    add_run,
    add_runs,
    add_step,
    add_submission,
    copy_run_tree,
    make_tenant,
)

STATUS = "/api/v1/batch/status"


@pytest.fixture
def tenant(engine: Engine) -> Tenant:
    return make_tenant(engine, "alpha")


@dataclass
class Tree:
    """A submission with 3 roots; root 0 fans out to 2 people, the first of whom fans out to 2 more."""

    submission_id: UUID
    runs: dict[str, UUID]


@pytest.fixture
def tree(engine: Engine, tenant: Tenant) -> Tree:
    s = add_submission(engine, tenant)
    runs: dict[str, UUID] = {}
    runs["r0"] = add_run(
        engine,
        tenant,
        s,
        entity_index=0,
        status="succeeded",
        context={"domain": "acme.test", "employees": 120},
        entity_id=uuid4(),
    )
    runs["r1"] = add_run(engine, tenant, s, entity_index=1, status="failed", error_message="provider down")
    runs["r2"] = add_run(engine, tenant, s, entity_index=2, status="running", context={"domain": "b.test"})
    # Children inserted out of order: the tree shows them by entity_index.
    runs["c1"] = add_run(engine, tenant, s, entity_index=1, parent=runs["r0"], depth=1, status="queued")
    runs["c0"] = add_run(
        engine, tenant, s, entity_index=0, parent=runs["r0"], depth=1, status="succeeded", context={"n": 1}
    )
    runs["g1"] = add_run(
        engine, tenant, s, entity_index=1, parent=runs["c0"], depth=2, status="failed", context={"n": 2}
    )
    runs["g0"] = add_run(engine, tenant, s, entity_index=0, parent=runs["c0"], depth=2, status="succeeded")
    add_step(
        engine,
        tenant,
        runs["r0"],
        s,
        1,
        output_payload={"employees": 120},
        duration_ms=840,
        cost_usd="0.010000",
    )
    add_step(engine, tenant, runs["r0"], s, 2, operation_id="person.search", output_payload={"results": []})
    add_step(engine, tenant, runs["r1"], s, 1, status="failed", error_message="Operation failed")
    add_step(engine, tenant, runs["r1"], s, 2, status="skipped", skip_reason="upstream_step_failed")
    add_step(engine, tenant, runs["g0"], s, 3, operation_id="person.resolve_email", cost_usd="0.002")
    add_operation_run(engine, tenant, s, "0.010000")
    add_operation_run(engine, tenant, s, "0.025500")
    add_operation_run(engine, tenant, add_submission(engine, tenant), "7.000000")  # another submission
    add_operation_run(engine, tenant, None, "3.000000")  # a direct /execute call
    return Tree(submission_id=s, runs=runs)


def _status(api: ApiClient, tenant: Tenant, submission_id: UUID, role: str = "org_admin", **body: Any) -> Any:
    return api.ok(STATUS, {"submission_id": str(submission_id), **body}, tenant.tokens[role])


def _walk(runs: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for run in runs:
        yield run
        yield from _walk(run["children"])


# --- the derived submission status -------------------------------------------------------------

DERIVATIONS = [
    ([], "received"),
    (["queued", "queued"], "queued"),
    (["queued", "running"], "running"),
    (["succeeded", "queued"], "running"),
    (["running", "failed"], "running"),
    (["succeeded", "succeeded"], "completed"),
    (["succeeded", "failed"], "failed"),
    (["failed", "canceled"], "failed"),
    (["canceled", "canceled"], "canceled"),
    (["succeeded", "canceled"], "failed"),
]


@pytest.mark.parametrize(("statuses", "expected"), DERIVATIONS)
def test_derivation_rule(statuses: list[str], expected: str) -> None:
    counts = {s: statuses.count(s) for s in ("queued", "running", "succeeded", "failed", "canceled")}
    assert service.derive_submission_status(counts) == expected


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ([], "received"),
        (["queued", "queued"], "queued"),
        (["running", "queued"], "running"),
        (["succeeded", "succeeded"], "completed"),
        (["succeeded", "failed"], "failed"),
        (["canceled", "canceled"], "canceled"),
    ],
)
def test_submission_status_is_derived_from_the_runs_not_the_stored_column(
    api: ApiClient, engine: Engine, tenant: Tenant, statuses: list[str], expected: str
) -> None:
    submission_id = add_submission(
        engine, tenant, status="completed" if expected != "completed" else "failed"
    )
    add_runs(engine, tenant, submission_id, statuses)
    data = _status(api, tenant, submission_id)
    assert data["submission"]["status"] == expected
    assert data["summary"]["total"] == len(statuses)


def test_a_queued_child_under_finished_roots_keeps_the_submission_running(
    api: ApiClient, engine: Engine, tenant: Tenant
) -> None:
    submission_id = add_submission(engine, tenant)
    root = add_run(engine, tenant, submission_id, status="succeeded")
    add_run(engine, tenant, submission_id, parent=root, depth=1, status="queued")
    assert _status(api, tenant, submission_id)["submission"]["status"] == "running"


# --- counters, cost, tree ----------------------------------------------------------------------


def test_summary_counts_every_depth_and_cost_sums_the_submissions_operation_runs(
    api: ApiClient, tenant: Tenant, tree: Tree
) -> None:
    data = _status(api, tenant, tree.submission_id)
    assert data["summary"] == {
        "total": 7,
        "queued": 1,
        "running": 1,
        "succeeded": 3,
        "failed": 2,
        "canceled": 0,
        "budget_exhausted": 0,
        "completed": 3,
        "pending": 1,
        "depth_max": 2,
        "roots": 3,
    }
    assert data["cost_usd"] == pytest.approx(0.0355)
    submission = data["submission"]
    assert submission["id"] == str(tree.submission_id)
    assert submission["org_id"] == str(tenant.org_id)
    assert submission["company_id"] == str(tenant.company_ids[0])
    assert submission["blueprint_id"] == str(tenant.blueprint_id)
    assert submission["blueprint_version"] == 1
    assert submission["status"] == "running"
    assert submission["source"] == "api_v1_batch"
    assert submission["metadata"] == {"campaign": "q3"}
    assert submission["finished_at"] is None


def test_children_nest_under_their_parents_in_entity_index_order(
    api: ApiClient, tenant: Tenant, tree: Tree
) -> None:
    runs = _status(api, tenant, tree.submission_id)["runs"]
    ids = {name: str(run_id) for name, run_id in tree.runs.items()}
    assert [r["pipeline_run_id"] for r in runs] == [ids["r0"], ids["r1"], ids["r2"]]
    assert [r["entity_index"] for r in runs] == [0, 1, 2]
    r0 = runs[0]
    assert [c["pipeline_run_id"] for c in r0["children"]] == [ids["c0"], ids["c1"]]
    c0 = r0["children"][0]
    assert [g["pipeline_run_id"] for g in c0["children"]] == [ids["g0"], ids["g1"]]
    assert runs[1]["children"] == runs[2]["children"] == r0["children"][1]["children"] == []
    for run in _walk(runs):
        expected_parent = {"c0": "r0", "c1": "r0", "g0": "c0", "g1": "c0"}
        name = next(n for n, i in ids.items() if i == run["pipeline_run_id"])
        assert run["parent_pipeline_run_id"] == (
            ids[expected_parent[name]] if name in expected_parent else None
        )
        assert run["depth"] == {"r": 0, "c": 1, "g": 2}[name[0]]
    assert r0["entity_type"] == "company" and c0["entity_type"] == "person"
    assert runs[1]["error_message"] == "provider down"
    assert r0["entity_id"] is not None


def test_final_context_only_for_succeeded_runs(api: ApiClient, tenant: Tenant, tree: Tree) -> None:
    runs = {r["pipeline_run_id"]: r for r in _walk(_status(api, tenant, tree.submission_id)["runs"])}
    by_name = {name: runs[str(run_id)] for name, run_id in tree.runs.items()}
    assert by_name["r0"]["final_context"] == {"domain": "acme.test", "employees": 120}
    assert by_name["c0"]["final_context"] == {"n": 1}
    assert by_name["g0"]["final_context"] == {}
    for name in ("r1", "r2", "c1", "g1"):  # g1 and r2 hold a context, but did not succeed
        assert by_name[name]["final_context"] is None
        assert by_name[name]["status"] != "succeeded"


def test_step_results_are_shown_under_their_runs(api: ApiClient, tenant: Tenant, tree: Tree) -> None:
    runs = {r["pipeline_run_id"]: r for r in _walk(_status(api, tenant, tree.submission_id)["runs"])}
    r0 = runs[str(tree.runs["r0"])]
    assert r0["steps"] == [
        {
            "step_position": 1,
            "operation_id": "company.enrich.profile",
            "status": "succeeded",
            "skip_reason": None,
            "duration_ms": 840,
            "cost_usd": 0.01,
            "error_message": None,
            "output": {"employees": 120},
        },
        {
            "step_position": 2,
            "operation_id": "person.search",
            "status": "succeeded",
            "skip_reason": None,
            "duration_ms": None,
            "cost_usd": 0.0,
            "error_message": None,
            "output": {"results": []},
        },
    ]
    r1_steps = runs[str(tree.runs["r1"])]["steps"]
    assert [(s["status"], s["error_message"], s["skip_reason"]) for s in r1_steps] == [
        ("failed", "Operation failed", None),
        ("skipped", None, "upstream_step_failed"),
    ]
    g0_steps = runs[str(tree.runs["g0"])]["steps"]
    assert [(s["step_position"], s["operation_id"], s["cost_usd"]) for s in g0_steps] == [
        (3, "person.resolve_email", 0.002)
    ]
    assert runs[str(tree.runs["c1"])]["steps"] == []


def test_include_steps_false_leaves_the_steps_out(api: ApiClient, tenant: Tenant, tree: Tree) -> None:
    runs = list(_walk(_status(api, tenant, tree.submission_id, include_steps=False)["runs"]))
    assert len(runs) == 7
    assert all(r["steps"] == [] for r in runs)


def test_runs_page_through_the_roots_each_with_its_own_tree(
    api: ApiClient, tenant: Tenant, tree: Tree
) -> None:
    first = _status(api, tenant, tree.submission_id, per_page=2)
    assert [r["entity_index"] for r in first["runs"]] == [0, 1]
    assert first["pagination"] == {
        "page": 1,
        "per_page": 2,
        "returned": 2,
        "has_more": True,
        "descendants": 4,
        "descendants_truncated": False,
        "descendants_limit": service.MAX_DESCENDANTS,
    }
    second = _status(api, tenant, tree.submission_id, per_page=2, page=2)
    assert [r["pipeline_run_id"] for r in second["runs"]] == [str(tree.runs["r2"])]
    assert second["runs"][0]["children"] == []
    assert second["pagination"]["has_more"] is False
    assert second["pagination"]["descendants"] == 0
    assert second["summary"]["total"] == 7  # the counters always cover the whole tree
    beyond = _status(api, tenant, tree.submission_id, per_page=2, page=3)
    assert beyond["runs"] == [] and beyond["pagination"]["returned"] == 0


def test_too_many_descendants_are_cut_breadth_first_and_flagged(
    api: ApiClient, tenant: Tenant, tree: Tree, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service, "MAX_DESCENDANTS", 3)
    data = _status(api, tenant, tree.submission_id)
    assert data["pagination"]["descendants_truncated"] is True
    assert data["pagination"]["descendants"] == 3
    shown = list(_walk(data["runs"]))
    assert len(shown) == 3 + 3
    # Both children (depth 1) come before any grandchild, so no shown run lacks its parent.
    assert sum(1 for r in shown if r["depth"] == 1) == 2
    assert sum(1 for r in shown if r["depth"] == 2) == 1


def test_per_page_is_capped_at_200(api: ApiClient, tenant: Tenant, tree: Tree) -> None:
    body = {"submission_id": str(tree.submission_id), "per_page": 201}
    response = api.post(STATUS, body, tenant.tokens["org_admin"])
    assert response.status_code == 422
    assert response.json()["details"][0]["field"] == "per_page"


# --- who may read what -------------------------------------------------------------------------


def test_another_orgs_submission_is_404_like_a_missing_one(
    api: ApiClient, engine: Engine, tenant: Tenant, tree: Tree
) -> None:
    other = make_tenant(engine, "beta")
    foreign = api.post(STATUS, {"submission_id": str(tree.submission_id)}, other.tokens["org_admin"])
    missing = api.post(STATUS, {"submission_id": str(uuid4())}, other.tokens["org_admin"])
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json() == missing.json()
    assert foreign.json()["code"] == "not_found"


@pytest.mark.parametrize("role", ["company_admin", "member"])
def test_a_pinned_caller_reads_its_companys_submission_only(
    api: ApiClient, engine: Engine, tenant: Tenant, tree: Tree, role: str
) -> None:
    assert _status(api, tenant, tree.submission_id, role)["summary"]["total"] == 7
    sibling = add_submission(engine, tenant, company=1)
    response = api.post(STATUS, {"submission_id": str(sibling)}, tenant.tokens[role])
    assert response.status_code == 403
    assert response.json()["error"] == "Forbidden company access"
    assert _status(api, tenant, sibling)["submission"]["status"] == "received"  # the org admin may


def test_the_super_admin_must_name_the_org(
    api: ApiClient, engine: Engine, tenant: Tenant, tree: Tree
) -> None:
    without = api.post(STATUS, {"submission_id": str(tree.submission_id)}, SUPER_KEY)
    assert without.status_code == 422
    assert without.json()["code"] == "validation_error"
    assert [d["field"] for d in without.json()["details"]] == ["org_id"]
    assert "org_id" in without.json()["error"]
    body = {"submission_id": str(tree.submission_id), "org_id": str(tenant.org_id)}
    assert api.ok(STATUS, body, SUPER_KEY)["summary"]["total"] == 7
    other = make_tenant(engine, "gamma")
    wrong_org = api.post(STATUS, {**body, "org_id": str(other.org_id)}, SUPER_KEY)
    assert wrong_org.status_code == 404


def test_a_tenant_may_name_its_own_org_but_no_other(
    api: ApiClient, engine: Engine, tenant: Tenant, tree: Tree
) -> None:
    assert _status(api, tenant, tree.submission_id, org_id=str(tenant.org_id))["summary"]["roots"] == 3
    other = make_tenant(engine, "delta")
    body = {"submission_id": str(tree.submission_id), "org_id": str(other.org_id)}
    assert api.post(STATUS, body, tenant.tokens["org_admin"]).status_code == 403


@pytest.mark.parametrize("token", [None, "not-a-token", "a.b.c"])
def test_bad_credentials_are_401(api: ApiClient, tenant: Tenant, tree: Tree, token: str | None) -> None:
    response = api.post(STATUS, {"submission_id": str(tree.submission_id)}, token)
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"


# --- scale ---------------------------------------------------------------------------------------


def test_status_of_a_100k_run_submission_reads_tallies_and_seeks_its_pages(
    api: ApiClient, engine: Engine, tenant: Tenant, capsys: pytest.CaptureFixture[str]
) -> None:
    submission_id = add_submission(engine, tenant)
    started = time.perf_counter()
    # 2,000 roots x (1 + 7 children + 7 x 6 grandchildren) = 100,000 runs.
    assert copy_run_tree(engine, tenant, submission_id, roots=2_000, children=7, grandchildren=6) == 100_000
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE pipeline_runs")
    loaded = time.perf_counter() - started

    with engine.connect() as conn:
        # One COPY, one tally row per (status, depth): nothing to count at read time.
        tallies = select(func.count()).where(submission_run_tallies.c.submission_id == submission_id)
        assert conn.execute(tallies).scalar_one() == 3

    timings = {}
    for per_page in (50, 200):
        started = time.perf_counter()
        data = _status(api, tenant, submission_id, per_page=per_page)
        timings[per_page] = time.perf_counter() - started
        assert data["summary"]["total"] == 100_000
        assert data["summary"]["roots"] == 2_000 and data["summary"]["depth_max"] == 2
        assert data["submission"]["status"] == "completed"
        assert len(data["runs"]) == per_page
    assert data["pagination"]["descendants_truncated"] is True  # 200 roots x 49 descendants > 5,000
    assert data["pagination"]["descendants"] == service.MAX_DESCENDANTS
    last = _status(api, tenant, submission_id, per_page=50, page=40, include_steps=False)
    assert [r["entity_index"] for r in last["runs"]] == list(range(1_950, 2_000))
    assert last["pagination"]["has_more"] is False
    with capsys.disabled():
        print(
            f"\n100k runs: loaded+analyzed in {loaded:.2f}s; status with 50 roots (2,450 descendants) "
            f"{timings[50] * 1000:.0f} ms, with 200 roots (5,000 descendants) {timings[200] * 1000:.0f} ms"
        )
