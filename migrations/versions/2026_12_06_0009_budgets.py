"""Budgets: a submission's cap (max_cost_usd), an org's monthly cap, and the runs a cap ended.

A run that could not start a provider call without crossing a cap ends `budget_exhausted` (a final
state); a submission none of whose runs is left to do and some of which a cap ended is
`budget_exhausted` too, and resumes with a higher cap.

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_RUN = ("queued", "running", "succeeded", "failed", "canceled")
OLD_SUBMISSION = ("received", "validated", "queued", "running", "completed", "failed", "canceled")


def _in(values: Sequence[str]) -> str:
    return "status IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def _checks(run: Sequence[str], submission: Sequence[str]) -> None:
    op.drop_constraint("status", "pipeline_runs", type_="check")
    op.create_check_constraint("status", "pipeline_runs", _in(run))
    op.drop_constraint("status", "submissions", type_="check")
    op.create_check_constraint("status", "submissions", _in(submission))


def upgrade() -> None:
    op.add_column("submissions", sa.Column("max_cost_usd", sa.Numeric(14, 4)))
    op.add_column("orgs", sa.Column("monthly_budget_usd", sa.Numeric(14, 4)))
    _checks((*OLD_RUN, "budget_exhausted"), (*OLD_SUBMISSION, "budget_exhausted"))


def downgrade() -> None:
    op.execute("UPDATE pipeline_runs SET status = 'failed' WHERE status = 'budget_exhausted'")
    op.execute("UPDATE submissions SET status = 'failed' WHERE status = 'budget_exhausted'")
    _checks(OLD_RUN, OLD_SUBMISSION)
    op.drop_column("orgs", "monthly_budget_usd")
    op.drop_column("submissions", "max_cost_usd")
