"""Engine state: run context, depth and start step; step links to operation runs; unique entity keys.

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSONB = postgresql.JSONB(astext_type=sa.Text())


def upgrade() -> None:
    op.add_column(
        "pipeline_runs", sa.Column("depth", sa.Integer(), server_default=sa.text("0"), nullable=False)
    )
    op.add_column("pipeline_runs", sa.Column("parent_step_position", sa.Integer(), nullable=True))
    op.add_column(
        "pipeline_runs",
        sa.Column("start_position", sa.Integer(), server_default=sa.text("1"), nullable=False),
    )
    op.add_column(
        "pipeline_runs", sa.Column("context", JSONB, server_default=sa.text("'{}'::jsonb"), nullable=False)
    )
    op.add_column("pipeline_runs", sa.Column("entity_id", sa.UUID(), nullable=True))
    op.create_index(
        "ix_pipeline_runs_submission_roots",
        "pipeline_runs",
        ["submission_id", "entity_index"],
        postgresql_where=sa.text("parent_pipeline_run_id IS NULL"),
    )
    op.add_column("step_results", sa.Column("skip_reason", sa.Text(), nullable=True))
    op.add_column("step_results", sa.Column("operation_run_id", sa.UUID(), nullable=True))
    op.add_column(
        "step_results", sa.Column("cost_usd", sa.Numeric(12, 6), server_default=sa.text("0"), nullable=False)
    )
    op.add_column("operation_runs", sa.Column("submission_id", sa.UUID(), nullable=True))
    op.create_index("ix_operation_runs_submission", "operation_runs", ["submission_id"])
    op.drop_index("ix_company_entities_org_domain", table_name="company_entities")
    op.create_index(
        "ux_company_entities_org_domain",
        "company_entities",
        ["org_id", "canonical_domain"],
        unique=True,
        postgresql_where=sa.text("canonical_domain IS NOT NULL"),
    )
    op.drop_index("ix_person_entities_org_linkedin", table_name="person_entities")
    op.create_index(
        "ux_person_entities_org_linkedin",
        "person_entities",
        ["org_id", "linkedin_url"],
        unique=True,
        postgresql_where=sa.text("linkedin_url IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ux_person_entities_org_linkedin", table_name="person_entities")
    op.create_index("ix_person_entities_org_linkedin", "person_entities", ["org_id", "linkedin_url"])
    op.drop_index("ux_company_entities_org_domain", table_name="company_entities")
    op.create_index("ix_company_entities_org_domain", "company_entities", ["org_id", "canonical_domain"])
    op.drop_index("ix_operation_runs_submission", table_name="operation_runs")
    op.drop_column("operation_runs", "submission_id")
    op.drop_column("step_results", "cost_usd")
    op.drop_column("step_results", "operation_run_id")
    op.drop_column("step_results", "skip_reason")
    op.drop_index("ix_pipeline_runs_submission_roots", table_name="pipeline_runs")
    for column in ("entity_id", "context", "start_position", "parent_step_position", "depth"):
        op.drop_column("pipeline_runs", column)
