"""Entity (org, updated_at) indexes gain entity_id, so exports page by keyset without re-reading ties.

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for table in ("company_entities", "person_entities"):
        op.drop_index(f"ix_{table}_org_updated", table_name=table)
        op.create_index(f"ix_{table}_org_updated", table, ["org_id", "updated_at", "entity_id"])


def downgrade() -> None:
    for table in ("company_entities", "person_entities"):
        op.drop_index(f"ix_{table}_org_updated", table_name=table)
        op.create_index(f"ix_{table}_org_updated", table, ["org_id", "updated_at"])
