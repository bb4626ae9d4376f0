"""Provider attempts as a journal: written as answers arrive, before their operation run ends.

An attempt row is now durable within a quarter second of its answer, so its operation run's row may
not exist yet (it is written when the step ends, and a crash in between leaves the attempt alone
until the replay writes the run under the same deterministic id): the foreign key goes. The new
columns let a replay find what was already bought for the same run, step, provider, action and
input (`call_key`) and reuse the answer (`outcome`, `answer`, `message`) instead of calling again.
`final` is false for the gateway's earlier tries of a call (a 429 before the answer).

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FK = "fk_operation_attempts_run_id_operation_runs"


def upgrade() -> None:
    op.drop_constraint(FK, "operation_attempts", type_="foreignkey")
    op.add_column("operation_attempts", sa.Column("submission_id", UUID(as_uuid=True)))
    op.add_column("operation_attempts", sa.Column("pipeline_run_id", UUID(as_uuid=True)))
    op.add_column("operation_attempts", sa.Column("step_position", sa.Integer))
    op.add_column("operation_attempts", sa.Column("call_key", sa.Text))
    op.add_column("operation_attempts", sa.Column("outcome", sa.Text))
    op.add_column("operation_attempts", sa.Column("message", sa.Text))
    op.add_column("operation_attempts", sa.Column("answer", JSONB))
    op.add_column(
        "operation_attempts", sa.Column("final", sa.Boolean, nullable=False, server_default=sa.true())
    )
    op.create_index(
        "ix_operation_attempts_submission",
        "operation_attempts",
        ["submission_id"],
        postgresql_where=sa.text("submission_id IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_operation_attempts_submission", table_name="operation_attempts")
    for column in ("final", "answer", "message", "outcome", "call_key", "step_position", "pipeline_run_id"):
        op.drop_column("operation_attempts", column)
    op.drop_column("operation_attempts", "submission_id")
    # Attempts whose run never got its row (a crash between the two) cannot keep the key.
    op.execute(
        "DELETE FROM operation_attempts a "
        "WHERE NOT EXISTS (SELECT 1 FROM operation_runs r WHERE r.run_id = a.run_id)"
    )
    op.create_foreign_key(
        FK, "operation_attempts", "operation_runs", ["run_id"], ["run_id"], ondelete="CASCADE"
    )
