"""Unfinished runs indexed by (submission, depth, id), so the coordinator pages them without a scan.

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_pipeline_runs_submission_pending",
        "pipeline_runs",
        ["submission_id", "depth", "id"],
        postgresql_where=sa.text("status IN ('queued', 'running')"),
    )


def downgrade() -> None:
    op.drop_index("ix_pipeline_runs_submission_pending", table_name="pipeline_runs")
