"""A root run's input row: the 1-based record number of the file line it came from.

`dex enrich` writes its results as the input file enriched, joined back record by record. A root's
entity_index counts only the rows that were submitted; input_row names the record itself, so rows
skipped as invalid leave gaps in it and never shift a result onto another record. Submissions made
through the JSON API leave it empty.

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable without a default: PostgreSQL adds it without rewriting the table.
    op.add_column("pipeline_runs", sa.Column("input_row", sa.Integer()))


def downgrade() -> None:
    op.drop_column("pipeline_runs", "input_row")
