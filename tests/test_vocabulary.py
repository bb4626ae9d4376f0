"""The status vocabulary: the words the database and the API carry, and each enum's final set."""

from __future__ import annotations

import orjson
import pytest

from config.vocabulary import DeliveryStatus, OperationStatus, RunStatus, StepStatus, SubmissionStatus
from store.tables import metadata


def test_members_are_the_stored_and_answered_text() -> None:
    assert orjson.dumps([RunStatus.BUDGET_EXHAUSTED, StepStatus.SKIPPED]) == b'["budget_exhausted","skipped"]'
    assert f"{SubmissionStatus.COMPLETED}" == "completed" and RunStatus("queued") is RunStatus.QUEUED


def test_final_sets() -> None:
    assert SubmissionStatus.final() == {"completed", "failed", "canceled", "budget_exhausted"}
    assert SubmissionStatus.unfinished() == {"received", "validated", "queued", "running"}
    assert RunStatus.terminal() == {"succeeded", "failed", "canceled", "budget_exhausted"}
    assert RunStatus.active() == {"queued", "running"}
    assert StepStatus.terminal() == {"succeeded", "failed", "skipped"}


@pytest.mark.parametrize(
    ("table", "vocabulary"),
    [
        ("submissions", SubmissionStatus),
        ("pipeline_runs", RunStatus),
        ("step_results", StepStatus),
        ("operation_runs", OperationStatus),
        ("operation_attempts", OperationStatus),
        ("entity_timeline", OperationStatus),
        ("webhook_deliveries", DeliveryStatus),
    ],
)
def test_each_status_check_allows_exactly_its_vocabulary(table: str, vocabulary: type) -> None:
    (check,) = [
        c for c in metadata.tables[table].constraints if getattr(c, "name", "") == f"ck_{table}_status"
    ]
    allowed = str(check.sqltext).removeprefix("status IN (").removesuffix(")").split(", ")
    assert sorted(allowed) == sorted(f"'{member}'" for member in vocabulary)
