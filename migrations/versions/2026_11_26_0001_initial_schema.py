"""Initial schema: the old migrations 001-010 in one step, with tenancy enforced by composite keys.

Revision ID: 0001
Revises: (none)
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "orgs",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("slug", sa.Text(), nullable=False),
        sa.Column("is_active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orgs")),
        sa.UniqueConstraint("slug", name=op.f("uq_orgs_slug")),
    )
    op.create_table(
        "steps",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("slug", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("step_type", sa.Text(), nullable=False),
        sa.Column("task_id", sa.Text(), nullable=True),
        sa.Column(
            "default_config",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("input_schema", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("output_schema", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("executor_config", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("is_active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "step_type IN ('clean', 'enrich', 'analyze', 'extract', 'transform')",
            name=op.f("ck_steps_step_type"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_steps")),
        sa.UniqueConstraint("slug", name=op.f("uq_steps_slug")),
    )
    op.create_table(
        "super_admins",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("email", sa.Text(), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("is_active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("email = lower(btrim(email))", name=op.f("ck_super_admins_email_normalized")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_super_admins")),
        sa.UniqueConstraint("email", name=op.f("uq_super_admins_email")),
    )
    op.create_table(
        "companies",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("org_id", sa.UUID(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("domain", sa.Text(), nullable=True),
        sa.Column("external_ref", sa.Text(), nullable=True),
        sa.Column("is_active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["orgs.id"], name=op.f("fk_companies_org_id_orgs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_companies")),
        sa.UniqueConstraint("org_id", "external_ref", name="uq_companies_org_external_ref"),
        sa.UniqueConstraint("org_id", "id", name="uq_companies_org_id_id"),
        sa.UniqueConstraint("org_id", "name", name="uq_companies_org_name"),
    )
    op.create_index("ix_companies_org_id", "companies", ["org_id"], unique=False)
    op.create_table(
        "entity_timeline",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("org_id", sa.UUID(), nullable=False),
        sa.Column("company_id", sa.UUID(), nullable=True),
        sa.Column("entity_type", sa.Text(), nullable=False),
        sa.Column("entity_id", sa.UUID(), nullable=False),
        sa.Column("event_type", sa.Text(), nullable=False),
        sa.Column("operation_id", sa.Text(), nullable=True),
        sa.Column("pipeline_run_id", sa.UUID(), nullable=True),
        sa.Column("submission_id", sa.UUID(), nullable=True),
        sa.Column("provider", sa.Text(), nullable=True),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("fields_updated", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("metadata", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "entity_type IN ('company', 'person')", name=op.f("ck_entity_timeline_entity_type")
        ),
        sa.CheckConstraint(
            "status IN ('found', 'not_found', 'failed', 'skipped', 'verified')",
            name=op.f("ck_entity_timeline_status"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["orgs.id"], name=op.f("fk_entity_timeline_org_id_orgs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_entity_timeline")),
    )
    op.create_index(
        "ix_entity_timeline_entity",
        "entity_timeline",
        ["org_id", "entity_type", "entity_id", "created_at"],
        unique=False,
    )
    op.create_index("ix_entity_timeline_run", "entity_timeline", ["org_id", "pipeline_run_id"], unique=False)
    op.create_index(
        "ix_entity_timeline_submission",
        "entity_timeline",
        ["org_id", "submission_id", "created_at"],
        unique=False,
    )
    op.create_table(
        "operation_runs",
        sa.Column("run_id", sa.UUID(), nullable=False),
        sa.Column("org_id", sa.UUID(), nullable=False),
        sa.Column("company_id", sa.UUID(), nullable=True),
        sa.Column("user_id", sa.UUID(), nullable=True),
        sa.Column("role", sa.Text(), nullable=True),
        sa.Column("auth_method", sa.Text(), nullable=True),
        sa.Column("operation_id", sa.Text(), nullable=False),
        sa.Column("entity_type", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column(
            "missing_inputs",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "input_payload",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("output_payload", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("error", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column(
            "provider_order_used",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
        sa.Column("pipeline_run_id", sa.UUID(), nullable=True),
        sa.Column("step_position", sa.Integer(), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=True),
        sa.Column("cost_usd", sa.Numeric(precision=12, scale=6), server_default=sa.text("0"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "entity_type IN ('company', 'person')", name=op.f("ck_operation_runs_entity_type")
        ),
        sa.CheckConstraint(
            "status IN ('found', 'not_found', 'failed', 'verified', 'skipped')",
            name=op.f("ck_operation_runs_status"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["orgs.id"], name=op.f("fk_operation_runs_org_id_orgs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("run_id", name=op.f("pk_operation_runs")),
    )
    op.create_index("ix_operation_runs_org_created", "operation_runs", ["org_id", "created_at"], unique=False)
    op.create_index("ix_operation_runs_pipeline_run", "operation_runs", ["pipeline_run_id"], unique=False)
    op.create_table(
        "company_entities",
        sa.Column("org_id", sa.UUID(), nullable=False),
        sa.Column("entity_id", sa.UUID(), nullable=False),
        sa.Column("company_id", sa.UUID(), nullable=True),
        sa.Column("canonical_domain", sa.Text(), nullable=True),
        sa.Column("canonical_name", sa.Text(), nullable=True),
        sa.Column("linkedin_url", sa.Text(), nullable=True),
        sa.Column("industry", sa.Text(), nullable=True),
        sa.Column("employee_count", sa.Integer(), nullable=True),
        sa.Column("employee_range", sa.Text(), nullable=True),
        sa.Column("revenue_band", sa.Text(), nullable=True),
        sa.Column("hq_country", sa.Text(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("enrichment_confidence", sa.Numeric(precision=5, scale=4), nullable=True),
        sa.Column(
            "source_providers",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "canonical_payload",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("last_enriched_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_operation_id", sa.Text(), nullable=True),
        sa.Column("last_run_id", sa.UUID(), nullable=True),
        sa.Column("record_version", sa.BigInteger(), server_default=sa.text("1"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id", "company_id"],
            ["companies.org_id", "companies.id"],
            name="fk_company_entities_company_in_org",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["orgs.id"], name=op.f("fk_company_entities_org_id_orgs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("org_id", "entity_id", name=op.f("pk_company_entities")),
    )
    op.create_index(
        "ix_company_entities_org_domain", "company_entities", ["org_id", "canonical_domain"], unique=False
    )
    op.create_index(
        "ix_company_entities_org_linkedin", "company_entities", ["org_id", "linkedin_url"], unique=False
    )
    op.create_index(
        "ix_company_entities_org_updated", "company_entities", ["org_id", "updated_at"], unique=False
    )
    op.create_table(
        "operation_attempts",
        sa.Column("run_id", sa.UUID(), nullable=False),
        sa.Column("attempt_index", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.UUID(), nullable=False),
        sa.Column("provider", sa.Text(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("skip_reason", sa.Text(), nullable=True),
        sa.Column("error_class", sa.Text(), nullable=True),
        sa.Column("http_status", sa.Integer(), nullable=True),
        sa.Column("provider_status", sa.Text(), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=True),
        sa.Column("cost_usd", sa.Numeric(precision=12, scale=6), server_default=sa.text("0"), nullable=False),
        sa.Column("raw_response", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "status IN ('found', 'not_found', 'failed', 'verified', 'skipped')",
            name=op.f("ck_operation_attempts_status"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["orgs.id"], name=op.f("fk_operation_attempts_org_id_orgs"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["operation_runs.run_id"],
            name=op.f("fk_operation_attempts_run_id_operation_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("run_id", "attempt_index", name=op.f("pk_operation_attempts")),
    )
    op.create_index(
        "ix_operation_attempts_org_provider",
        "operation_attempts",
        ["org_id", "provider", "created_at"],
        unique=False,
    )
    op.create_table(
        "person_entities",
        sa.Column("org_id", sa.UUID(), nullable=False),
        sa.Column("entity_id", sa.UUID(), nullable=False),
        sa.Column("company_id", sa.UUID(), nullable=True),
        sa.Column("full_name", sa.Text(), nullable=True),
        sa.Column("first_name", sa.Text(), nullable=True),
        sa.Column("last_name", sa.Text(), nullable=True),
        sa.Column("linkedin_url", sa.Text(), nullable=True),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("seniority", sa.Text(), nullable=True),
        sa.Column("department", sa.Text(), nullable=True),
        sa.Column("company_domain", sa.Text(), nullable=True),
        sa.Column("work_email", sa.Text(), nullable=True),
        sa.Column("email_status", sa.Text(), nullable=True),
        sa.Column("phone_e164", sa.Text(), nullable=True),
        sa.Column("contact_confidence", sa.Numeric(precision=5, scale=4), nullable=True),
        sa.Column(
            "source_providers",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "canonical_payload",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("last_enriched_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_operation_id", sa.Text(), nullable=True),
        sa.Column("last_run_id", sa.UUID(), nullable=True),
        sa.Column("record_version", sa.BigInteger(), server_default=sa.text("1"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id", "company_id"],
            ["companies.org_id", "companies.id"],
            name="fk_person_entities_company_in_org",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["orgs.id"], name=op.f("fk_person_entities_org_id_orgs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("org_id", "entity_id", name=op.f("pk_person_entities")),
    )
    op.create_index("ix_person_entities_org_email", "person_entities", ["org_id", "work_email"], unique=False)
    op.create_index(
        "ix_person_entities_org_linkedin", "person_entities", ["org_id", "linkedin_url"], unique=False
    )
    op.create_index(
        "ix_person_entities_org_updated", "person_entities", ["org_id", "updated_at"], unique=False
    )
    op.create_table(
        "users",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("org_id", sa.UUID(), nullable=False),
        sa.Column("company_id", sa.UUID(), nullable=True),
        sa.Column("email", sa.Text(), nullable=False),
        sa.Column("full_name", sa.Text(), nullable=True),
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column("is_active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "role = 'org_admin' OR company_id IS NOT NULL",
            name=op.f("ck_users_company_scoped_role_has_company"),
        ),
        sa.CheckConstraint("role IN ('org_admin', 'company_admin', 'member')", name=op.f("ck_users_role")),
        sa.CheckConstraint("email = lower(btrim(email))", name=op.f("ck_users_email_normalized")),
        sa.ForeignKeyConstraint(
            ["org_id", "company_id"], ["companies.org_id", "companies.id"], name="fk_users_company_in_org"
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["orgs.id"], name=op.f("fk_users_org_id_orgs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name="uq_users_email"),
        sa.UniqueConstraint("org_id", "id", name="uq_users_org_id_id"),
    )
    op.create_index("ix_users_org_id", "users", ["org_id"], unique=False)
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("org_id", sa.UUID(), nullable=False),
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("token_hash", sa.Text(), nullable=False),
        sa.Column("created_by_super_admin_id", sa.UUID(), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id", "user_id"],
            ["users.org_id", "users.id"],
            name="fk_api_tokens_user_in_org",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["orgs.id"], name=op.f("fk_api_tokens_org_id_orgs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    op.create_index("ix_api_tokens_org_id", "api_tokens", ["org_id"], unique=False)
    op.create_index("ix_api_tokens_user_id", "api_tokens", ["user_id"], unique=False)
    op.create_table(
        "blueprints",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("org_id", sa.UUID(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("is_active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("created_by_user_id", sa.UUID(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_user_id"],
            ["users.id"],
            name=op.f("fk_blueprints_created_by_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["orgs.id"], name=op.f("fk_blueprints_org_id_orgs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_blueprints")),
        sa.UniqueConstraint("org_id", "id", name="uq_blueprints_org_id_id"),
        sa.UniqueConstraint("org_id", "name", name="uq_blueprints_org_name"),
    )
    op.create_index("ix_blueprints_org_id", "blueprints", ["org_id"], unique=False)
    op.create_table(
        "blueprint_steps",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("org_id", sa.UUID(), nullable=False),
        sa.Column("blueprint_id", sa.UUID(), nullable=False),
        sa.Column("step_id", sa.UUID(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("operation_id", sa.Text(), nullable=True),
        sa.Column(
            "step_config",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("fan_out", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("is_enabled", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "operation_id IS NOT NULL OR step_id IS NOT NULL", name=op.f("ck_blueprint_steps_names_work")
        ),
        sa.CheckConstraint("position > 0", name=op.f("ck_blueprint_steps_position_positive")),
        sa.ForeignKeyConstraint(
            ["org_id", "blueprint_id"],
            ["blueprints.org_id", "blueprints.id"],
            name="fk_blueprint_steps_blueprint_in_org",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["orgs.id"], name=op.f("fk_blueprint_steps_org_id_orgs"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["step_id"], ["steps.id"], name=op.f("fk_blueprint_steps_step_id_steps"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_blueprint_steps")),
        sa.UniqueConstraint("blueprint_id", "position", name="uq_blueprint_steps_blueprint_position"),
    )
    op.create_index("ix_blueprint_steps_org_id", "blueprint_steps", ["org_id"], unique=False)
    op.create_table(
        "submissions",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("org_id", sa.UUID(), nullable=False),
        sa.Column("company_id", sa.UUID(), nullable=False),
        sa.Column("blueprint_id", sa.UUID(), nullable=False),
        sa.Column("blueprint_version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("submitted_by_user_id", sa.UUID(), nullable=True),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column(
            "input_payload",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("status", sa.Text(), server_default=sa.text("'received'"), nullable=False),
        sa.Column(
            "metadata",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "status IN ('received', 'validated', 'queued', 'running', 'completed', 'failed', 'canceled')",
            name=op.f("ck_submissions_status"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "blueprint_id"],
            ["blueprints.org_id", "blueprints.id"],
            name="fk_submissions_bp_in_org",
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "company_id"],
            ["companies.org_id", "companies.id"],
            name="fk_submissions_company_in_org",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["orgs.id"], name=op.f("fk_submissions_org_id_orgs"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by_user_id"],
            ["users.id"],
            name=op.f("fk_submissions_submitted_by_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_submissions")),
        sa.UniqueConstraint("org_id", "id", name="uq_submissions_org_id_id"),
    )
    op.create_index("ix_submissions_org_company", "submissions", ["org_id", "company_id"], unique=False)
    op.create_index("ix_submissions_org_created", "submissions", ["org_id", "created_at"], unique=False)
    op.create_index("ix_submissions_status", "submissions", ["status"], unique=False)
    op.create_table(
        "pipeline_runs",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("org_id", sa.UUID(), nullable=False),
        sa.Column("company_id", sa.UUID(), nullable=False),
        sa.Column("submission_id", sa.UUID(), nullable=False),
        sa.Column("blueprint_id", sa.UUID(), nullable=False),
        sa.Column("parent_pipeline_run_id", sa.UUID(), nullable=True),
        sa.Column("entity_index", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("entity_type", sa.Text(), server_default=sa.text("'company'"), nullable=False),
        sa.Column(
            "blueprint_snapshot",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("blueprint_version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("status", sa.Text(), server_default=sa.text("'queued'"), nullable=False),
        sa.Column("attempt", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("error_details", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("entity_type IN ('company', 'person')", name=op.f("ck_pipeline_runs_entity_type")),
        sa.CheckConstraint(
            "status IN ('queued', 'running', 'succeeded', 'failed', 'canceled')",
            name=op.f("ck_pipeline_runs_status"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "blueprint_id"],
            ["blueprints.org_id", "blueprints.id"],
            name="fk_pipeline_runs_bp_in_org",
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "company_id"],
            ["companies.org_id", "companies.id"],
            name="fk_pipeline_runs_company_in_org",
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "parent_pipeline_run_id"],
            ["pipeline_runs.org_id", "pipeline_runs.id"],
            name="fk_pipeline_runs_parent_in_org",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "submission_id"],
            ["submissions.org_id", "submissions.id"],
            name="fk_pipeline_runs_submission_in_org",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["orgs.id"], name=op.f("fk_pipeline_runs_org_id_orgs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pipeline_runs")),
        sa.UniqueConstraint("org_id", "id", name="uq_pipeline_runs_org_id_id"),
    )
    op.create_index("ix_pipeline_runs_org_id", "pipeline_runs", ["org_id"], unique=False)
    op.create_index("ix_pipeline_runs_parent", "pipeline_runs", ["parent_pipeline_run_id"], unique=False)
    op.create_index(
        "ix_pipeline_runs_submission_status", "pipeline_runs", ["submission_id", "status"], unique=False
    )
    op.create_table(
        "step_results",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("org_id", sa.UUID(), nullable=False),
        sa.Column("company_id", sa.UUID(), nullable=False),
        sa.Column("submission_id", sa.UUID(), nullable=False),
        sa.Column("pipeline_run_id", sa.UUID(), nullable=False),
        sa.Column("blueprint_step_id", sa.UUID(), nullable=True),
        sa.Column("step_position", sa.Integer(), nullable=False),
        sa.Column("operation_id", sa.Text(), nullable=True),
        sa.Column("status", sa.Text(), server_default=sa.text("'queued'"), nullable=False),
        sa.Column("input_payload", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("output_payload", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("error_details", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=True),
        sa.Column("attempt", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "status IN ('queued', 'running', 'succeeded', 'failed', 'skipped')",
            name=op.f("ck_step_results_status"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "pipeline_run_id"],
            ["pipeline_runs.org_id", "pipeline_runs.id"],
            name="fk_step_results_run_in_org",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "submission_id"],
            ["submissions.org_id", "submissions.id"],
            name="fk_step_results_submission_in_org",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["orgs.id"], name=op.f("fk_step_results_org_id_orgs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_step_results")),
        sa.UniqueConstraint("pipeline_run_id", "step_position", name="uq_step_results_run_position"),
    )
    op.create_index("ix_step_results_org_id", "step_results", ["org_id"], unique=False)
    op.create_index("ix_step_results_submission", "step_results", ["submission_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_step_results_submission", table_name="step_results")
    op.drop_index("ix_step_results_org_id", table_name="step_results")
    op.drop_table("step_results")
    op.drop_index("ix_pipeline_runs_submission_status", table_name="pipeline_runs")
    op.drop_index("ix_pipeline_runs_parent", table_name="pipeline_runs")
    op.drop_index("ix_pipeline_runs_org_id", table_name="pipeline_runs")
    op.drop_table("pipeline_runs")
    op.drop_index("ix_submissions_status", table_name="submissions")
    op.drop_index("ix_submissions_org_created", table_name="submissions")
    op.drop_index("ix_submissions_org_company", table_name="submissions")
    op.drop_table("submissions")
    op.drop_index("ix_blueprint_steps_org_id", table_name="blueprint_steps")
    op.drop_table("blueprint_steps")
    op.drop_index("ix_blueprints_org_id", table_name="blueprints")
    op.drop_table("blueprints")
    op.drop_index("ix_api_tokens_user_id", table_name="api_tokens")
    op.drop_index("ix_api_tokens_org_id", table_name="api_tokens")
    op.drop_table("api_tokens")
    op.drop_index("ix_users_org_id", table_name="users")
    op.drop_table("users")
    op.drop_index("ix_person_entities_org_updated", table_name="person_entities")
    op.drop_index("ix_person_entities_org_linkedin", table_name="person_entities")
    op.drop_index("ix_person_entities_org_email", table_name="person_entities")
    op.drop_table("person_entities")
    op.drop_index("ix_operation_attempts_org_provider", table_name="operation_attempts")
    op.drop_table("operation_attempts")
    op.drop_index("ix_company_entities_org_updated", table_name="company_entities")
    op.drop_index("ix_company_entities_org_linkedin", table_name="company_entities")
    op.drop_index("ix_company_entities_org_domain", table_name="company_entities")
    op.drop_table("company_entities")
    op.drop_index("ix_operation_runs_pipeline_run", table_name="operation_runs")
    op.drop_index("ix_operation_runs_org_created", table_name="operation_runs")
    op.drop_table("operation_runs")
    op.drop_index("ix_entity_timeline_submission", table_name="entity_timeline")
    op.drop_index("ix_entity_timeline_run", table_name="entity_timeline")
    op.drop_index("ix_entity_timeline_entity", table_name="entity_timeline")
    op.drop_table("entity_timeline")
    op.drop_index("ix_companies_org_id", table_name="companies")
    op.drop_table("companies")
    op.drop_table("super_admins")
    op.drop_table("steps")
    op.drop_table("orgs")
