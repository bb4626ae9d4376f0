"""The status vocabulary every layer shares: submissions, runs, steps, skip reasons, operations, deliveries.

It lives in `config/`, the bottom layer, because `store/` (its CHECK constraints and SQL) and the
engine, the API and the CLI above it must all speak the same words. Each enum is a StrEnum whose
values are the text the database stores and the API answers, so a member compares equal to, hashes
as and serializes to that text. Each one's final set is defined here once, beside its members.
"""

from __future__ import annotations

from enum import StrEnum


class SubmissionStatus(StrEnum):
    """Where a submission is, derived from its whole run tree."""

    RECEIVED = "received"
    VALIDATED = "validated"
    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELED = "canceled"
    # Ended by a spending cap before its work was done (resumable with a higher cap).
    BUDGET_EXHAUSTED = "budget_exhausted"

    @classmethod
    def final(cls) -> frozenset[SubmissionStatus]:
        """The statuses of a submission whose runs have all ended (its webhook event is due)."""
        return _FINAL_SUBMISSION

    @classmethod
    def unfinished(cls) -> frozenset[SubmissionStatus]:
        """The statuses a restarted engine resumes."""
        return frozenset(cls) - _FINAL_SUBMISSION


class RunStatus(StrEnum):
    """Where one pipeline run (one entity through the blueprint) is."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELED = "canceled"
    BUDGET_EXHAUSTED = "budget_exhausted"  # ended by a spending cap; queued again under a higher one

    @classmethod
    def terminal(cls) -> frozenset[RunStatus]:
        """The statuses of a run that has ended."""
        return _TERMINAL_RUN

    @classmethod
    def active(cls) -> frozenset[RunStatus]:
        """The statuses of a run still to be carried (queued, or running when its chunk was lost)."""
        return frozenset(cls) - _TERMINAL_RUN


class StepStatus(StrEnum):
    """What one step did for one run."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    SKIPPED = "skipped"

    @classmethod
    def terminal(cls) -> frozenset[StepStatus]:
        """The statuses of a finished step (a replayed run does not execute it again)."""
        return _TERMINAL_STEP


class SkipReason(StrEnum):
    """Why a step was skipped (`step_results.skip_reason`)."""

    CONDITION_NOT_MET = "condition_not_met"
    ENTITY_STATE_FRESH = "entity_state_fresh"  # the stored entity is fresh: its data was adopted
    NO_PROVIDER_AVAILABLE = "no_provider_available"
    UPSTREAM_STEP_FAILED = "upstream_step_failed"
    # A fan-out step ends its parent run: the later steps belong to the children.
    FANNED_OUT = "fanned_out"
    NO_FAN_OUT_RESULTS = "no_fan_out_results"
    PARENT_STEP_CONDITION_NOT_MET = "parent_step_condition_not_met"


class OperationStatus(StrEnum):
    """How an operation ended (the `status` of /api/v1/execute, operation runs, attempts, timeline events)."""

    FOUND = "found"
    NOT_FOUND = "not_found"
    FAILED = "failed"
    VERIFIED = "verified"  # person.contact.verify_email only
    SKIPPED = "skipped"  # every provider was skipped (no key, not applicable)


class DeliveryStatus(StrEnum):
    """Where one webhook delivery is: retried while pending, until delivered or given up (failed)."""

    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


_FINAL_SUBMISSION = frozenset(
    {
        SubmissionStatus.COMPLETED,
        SubmissionStatus.FAILED,
        SubmissionStatus.CANCELED,
        SubmissionStatus.BUDGET_EXHAUSTED,
    }
)
_TERMINAL_RUN = frozenset(
    {RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.CANCELED, RunStatus.BUDGET_EXHAUSTED}
)
_TERMINAL_STEP = frozenset({StepStatus.SUCCEEDED, StepStatus.FAILED, StepStatus.SKIPPED})
