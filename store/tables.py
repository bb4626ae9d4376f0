"""SQLAlchemy Core tables: the whole schema (the old migrations 001-010, with their flaws fixed).

Conventions: every tenant-owned table carries an indexed `org_id`; a reference to a company, blueprint,
submission or run also carries the org, and composite foreign keys make the database itself refuse a
row that points into another org. Statuses are text with CHECK constraints, so later vocabularies can
grow without enum migrations.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Identity,
    Index,
    Integer,
    MetaData,
    Numeric,
    PrimaryKeyConstraint,
    Table,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID

from config.vocabulary import DeliveryStatus, OperationStatus, RunStatus, StepStatus, SubmissionStatus

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

USER_ROLES = ("org_admin", "company_admin", "member")
STEP_TYPES = ("clean", "enrich", "analyze", "extract", "transform")
# Plain text, in declaration order: these also key counters that orjson writes (no enum keys there).
SUBMISSION_STATUSES = tuple(s.value for s in SubmissionStatus)
RUN_STATUSES = tuple(s.value for s in RunStatus)
STEP_STATUSES = tuple(s.value for s in StepStatus)
OPERATION_STATUSES = tuple(s.value for s in OperationStatus)
# The same words, in the order the first migration wrote this CHECK.
TIMELINE_STATUSES = tuple(
    s.value for s in (OperationStatus.FOUND, OperationStatus.NOT_FOUND, OperationStatus.FAILED,
                      OperationStatus.SKIPPED, OperationStatus.VERIFIED)
)  # fmt: skip
ENTITY_TYPES = ("company", "person")


def in_list(column: str, values: Iterable[str]) -> str:
    """Return the SQL test that column holds one of values (a CHECK, a partial index, a query's filter)."""
    return f"{column} IN ({', '.join(repr(str(v)) for v in values)})"


def _uuid_pk() -> Column[Any]:
    return Column("id", UUID(as_uuid=True), primary_key=True, server_default=text("gen_random_uuid()"))


def _timestamps() -> list[Column[Any]]:
    return [
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column(
            "updated_at",
            DateTime(timezone=True),
            nullable=False,
            server_default=func.now(),
            onupdate=func.now(),
        ),
    ]


def _org_fk() -> Column[Any]:
    return Column("org_id", UUID(as_uuid=True), ForeignKey("orgs.id", ondelete="CASCADE"), nullable=False)


orgs = Table(
    "orgs",
    metadata,
    _uuid_pk(),
    Column("name", Text, nullable=False),
    Column("slug", Text, nullable=False, unique=True),
    Column("is_active", Boolean, nullable=False, server_default=text("true")),
    # What the org may spend on providers in a calendar month (UTC), set by the super-admin; no cap when null.
    Column("monthly_budget_usd", Numeric(14, 4)),
    *_timestamps(),
)

companies = Table(
    "companies",
    metadata,
    _uuid_pk(),
    _org_fk(),
    Column("name", Text, nullable=False),
    Column("domain", Text),
    Column("external_ref", Text),
    Column("is_active", Boolean, nullable=False, server_default=text("true")),
    *_timestamps(),
    UniqueConstraint("org_id", "name", name="uq_companies_org_name"),
    UniqueConstraint("org_id", "external_ref", name="uq_companies_org_external_ref"),
    # Target of the composite (org_id, company_id) foreign keys below.
    UniqueConstraint("org_id", "id", name="uq_companies_org_id_id"),
    Index("ix_companies_org_id", "org_id"),
)

users = Table(
    "users",
    metadata,
    _uuid_pk(),
    _org_fk(),
    Column("company_id", UUID(as_uuid=True)),
    Column("email", Text, nullable=False),
    Column("full_name", Text),
    Column("role", Text, nullable=False),
    Column("is_active", Boolean, nullable=False, server_default=text("true")),
    Column("password_hash", Text),
    *_timestamps(),
    CheckConstraint(in_list("role", USER_ROLES), name="role"),
    CheckConstraint("role = 'org_admin' OR company_id IS NOT NULL", name="company_scoped_role_has_company"),
    CheckConstraint("email = lower(btrim(email))", name="email_normalized"),
    ForeignKeyConstraint(
        ["org_id", "company_id"], ["companies.org_id", "companies.id"], name="fk_users_company_in_org"
    ),
    UniqueConstraint("email", name="uq_users_email"),
    UniqueConstraint("org_id", "id", name="uq_users_org_id_id"),
    Index("ix_users_org_id", "org_id"),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    _uuid_pk(),
    _org_fk(),
    Column("user_id", UUID(as_uuid=True), nullable=False),
    Column("name", Text, nullable=False),
    # sha256 of the token; the token itself is shown once and never stored.
    Column("token_hash", Text, nullable=False, unique=True),
    Column("created_by_super_admin_id", UUID(as_uuid=True)),
    Column("last_used_at", DateTime(timezone=True)),
    Column("expires_at", DateTime(timezone=True)),
    Column("revoked_at", DateTime(timezone=True)),
    *_timestamps(),
    ForeignKeyConstraint(
        ["org_id", "user_id"],
        ["users.org_id", "users.id"],
        name="fk_api_tokens_user_in_org",
        ondelete="CASCADE",
    ),
    Index("ix_api_tokens_org_id", "org_id"),
    Index("ix_api_tokens_user_id", "user_id"),
)

super_admins = Table(
    "super_admins",
    metadata,
    _uuid_pk(),
    Column("email", Text, nullable=False, unique=True),
    Column("password_hash", Text, nullable=False),
    Column("is_active", Boolean, nullable=False, server_default=text("true")),
    *_timestamps(),
    CheckConstraint("email = lower(btrim(email))", name="email_normalized"),
)

# The legacy step registry (global, managed by the super-admin); blueprints now name operations.
steps = Table(
    "steps",
    metadata,
    _uuid_pk(),
    Column("slug", Text, nullable=False, unique=True),
    Column("name", Text, nullable=False),
    Column("description", Text),
    Column("step_type", Text, nullable=False),
    Column("task_id", Text),
    Column("default_config", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Column("input_schema", JSONB),
    Column("output_schema", JSONB),
    Column("executor_config", JSONB),
    Column("is_active", Boolean, nullable=False, server_default=text("true")),
    *_timestamps(),
    CheckConstraint(in_list("step_type", STEP_TYPES), name="step_type"),
)

blueprints = Table(
    "blueprints",
    metadata,
    _uuid_pk(),
    _org_fk(),
    Column("name", Text, nullable=False),
    Column("description", Text),
    Column("is_active", Boolean, nullable=False, server_default=text("true")),
    # Bumped on every update; submissions and runs record the version they snapshot.
    Column("version", Integer, nullable=False, server_default=text("1")),
    # The fields each submitted entity brings (validation checks steps against them); null = unstated.
    Column("entity_inputs", JSONB),
    Column("created_by_user_id", UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL")),
    *_timestamps(),
    UniqueConstraint("org_id", "name", name="uq_blueprints_org_name"),
    UniqueConstraint("org_id", "id", name="uq_blueprints_org_id_id"),
    Index("ix_blueprints_org_id", "org_id"),
)

blueprint_steps = Table(
    "blueprint_steps",
    metadata,
    _uuid_pk(),
    _org_fk(),
    Column("blueprint_id", UUID(as_uuid=True), nullable=False),
    Column("step_id", UUID(as_uuid=True), ForeignKey("steps.id", ondelete="RESTRICT")),
    Column("position", Integer, nullable=False),
    Column("operation_id", Text),
    Column("step_config", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Column("fan_out", Boolean, nullable=False, server_default=text("false")),
    Column("is_enabled", Boolean, nullable=False, server_default=text("true")),
    *_timestamps(),
    CheckConstraint("position > 0", name="position_positive"),
    CheckConstraint("operation_id IS NOT NULL OR step_id IS NOT NULL", name="names_work"),
    ForeignKeyConstraint(
        ["org_id", "blueprint_id"],
        ["blueprints.org_id", "blueprints.id"],
        name="fk_blueprint_steps_blueprint_in_org",
        ondelete="CASCADE",
    ),
    UniqueConstraint("blueprint_id", "position", name="uq_blueprint_steps_blueprint_position"),
    Index("ix_blueprint_steps_org_id", "org_id"),
)

submissions = Table(
    "submissions",
    metadata,
    _uuid_pk(),
    _org_fk(),
    Column("company_id", UUID(as_uuid=True), nullable=False),
    Column("blueprint_id", UUID(as_uuid=True), nullable=False),
    Column("blueprint_version", Integer, nullable=False, server_default=text("1")),
    # The blueprint (row and enabled steps) as it was when submitted; every run of the batch follows it.
    Column("blueprint_snapshot", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Column("submitted_by_user_id", UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL")),
    Column("source", Text),
    Column("input_payload", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Column("status", Text, nullable=False, server_default=text(f"'{SubmissionStatus.RECEIVED}'")),
    Column("metadata", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Column("max_cost_usd", Numeric(14, 4)),  # the batch's spending cap; none when null
    Column("finished_at", DateTime(timezone=True)),
    *_timestamps(),
    CheckConstraint(in_list("status", SUBMISSION_STATUSES), name="status"),
    ForeignKeyConstraint(
        ["org_id", "company_id"], ["companies.org_id", "companies.id"], name="fk_submissions_company_in_org"
    ),
    ForeignKeyConstraint(
        ["org_id", "blueprint_id"], ["blueprints.org_id", "blueprints.id"], name="fk_submissions_bp_in_org"
    ),
    UniqueConstraint("org_id", "id", name="uq_submissions_org_id_id"),
    Index("ix_submissions_org_created", "org_id", "created_at"),
    Index("ix_submissions_org_company", "org_id", "company_id"),
    Index("ix_submissions_status", "status"),
)

pipeline_runs = Table(
    "pipeline_runs",
    metadata,
    _uuid_pk(),
    _org_fk(),
    Column("company_id", UUID(as_uuid=True), nullable=False),
    Column("submission_id", UUID(as_uuid=True), nullable=False),
    Column("blueprint_id", UUID(as_uuid=True), nullable=False),
    Column("parent_pipeline_run_id", UUID(as_uuid=True)),
    Column("entity_index", Integer, nullable=False, server_default=text("0")),
    # A root submitted from a file: the 1-based record number of its input row (migration 0010).
    Column("input_row", Integer),
    Column("entity_type", Text, nullable=False, server_default=text("'company'")),
    Column("depth", Integer, nullable=False, server_default=text("0")),
    # The fan-out step of the parent that created this run; the run starts at the step after it.
    Column("parent_step_position", Integer),
    Column("start_position", Integer, nullable=False, server_default=text("1")),
    # The cumulative context after the last finished step (what a resumed run starts from).
    Column("context", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    # The entity this run's context was stored as, once it finished.
    Column("entity_id", UUID(as_uuid=True)),
    Column("blueprint_snapshot", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Column("blueprint_version", Integer, nullable=False, server_default=text("1")),
    Column("status", Text, nullable=False, server_default=text(f"'{RunStatus.QUEUED}'")),
    Column("attempt", Integer, nullable=False, server_default=text("1")),
    Column("started_at", DateTime(timezone=True)),
    Column("finished_at", DateTime(timezone=True)),
    Column("error_message", Text),
    Column("error_details", JSONB),
    *_timestamps(),
    CheckConstraint(in_list("status", RUN_STATUSES), name="status"),
    CheckConstraint(in_list("entity_type", ENTITY_TYPES), name="entity_type"),
    ForeignKeyConstraint(
        ["org_id", "company_id"], ["companies.org_id", "companies.id"], name="fk_pipeline_runs_company_in_org"
    ),
    ForeignKeyConstraint(
        ["org_id", "submission_id"],
        ["submissions.org_id", "submissions.id"],
        name="fk_pipeline_runs_submission_in_org",
        ondelete="CASCADE",
    ),
    ForeignKeyConstraint(
        ["org_id", "blueprint_id"], ["blueprints.org_id", "blueprints.id"], name="fk_pipeline_runs_bp_in_org"
    ),
    ForeignKeyConstraint(
        ["org_id", "parent_pipeline_run_id"],
        ["pipeline_runs.org_id", "pipeline_runs.id"],
        name="fk_pipeline_runs_parent_in_org",
        ondelete="CASCADE",
    ),
    UniqueConstraint("org_id", "id", name="uq_pipeline_runs_org_id_id"),
    Index("ix_pipeline_runs_org_id", "org_id"),
    Index("ix_pipeline_runs_submission_status", "submission_id", "status"),
    # A root's entity_index is its place in the submitted list: unique, and the key root pages seek by.
    Index(
        "ux_pipeline_runs_submission_roots",
        "submission_id",
        "entity_index",
        unique=True,
        postgresql_where=text("parent_pipeline_run_id IS NULL"),
    ),
    Index("ix_pipeline_runs_parent", "parent_pipeline_run_id"),
    # The coordinator's pages of unfinished runs, shallowest first, without a scan of finished ones.
    Index(
        "ix_pipeline_runs_submission_pending",
        "submission_id",
        "depth",
        "id",
        postgresql_where=text(in_list("status", (RunStatus.QUEUED, RunStatus.RUNNING))),
    ),
)

step_results = Table(
    "step_results",
    metadata,
    _uuid_pk(),
    _org_fk(),
    Column("company_id", UUID(as_uuid=True), nullable=False),
    Column("submission_id", UUID(as_uuid=True), nullable=False),
    Column("pipeline_run_id", UUID(as_uuid=True), nullable=False),
    Column("blueprint_step_id", UUID(as_uuid=True)),
    Column("step_position", Integer, nullable=False),
    Column("operation_id", Text),
    Column("status", Text, nullable=False, server_default=text(f"'{StepStatus.QUEUED}'")),
    Column("skip_reason", Text),
    Column("operation_run_id", UUID(as_uuid=True)),
    Column("cost_usd", Numeric(12, 6), nullable=False, server_default=text("0")),
    Column("input_payload", JSONB),
    Column("output_payload", JSONB),
    Column("error_message", Text),
    Column("error_details", JSONB),
    Column("started_at", DateTime(timezone=True)),
    Column("finished_at", DateTime(timezone=True)),
    Column("duration_ms", Integer),
    Column("attempt", Integer, nullable=False, server_default=text("1")),
    *_timestamps(),
    CheckConstraint(in_list("status", STEP_STATUSES), name="status"),
    ForeignKeyConstraint(
        ["org_id", "pipeline_run_id"],
        ["pipeline_runs.org_id", "pipeline_runs.id"],
        name="fk_step_results_run_in_org",
        ondelete="CASCADE",
    ),
    ForeignKeyConstraint(
        ["org_id", "submission_id"],
        ["submissions.org_id", "submissions.id"],
        name="fk_step_results_submission_in_org",
        ondelete="CASCADE",
    ),
    # Re-running a chunk upserts onto the same row: this key makes that harmless.
    UniqueConstraint("pipeline_run_id", "step_position", name="uq_step_results_run_position"),
    Index("ix_step_results_org_id", "org_id"),
    Index("ix_step_results_submission", "submission_id"),
)

operation_runs = Table(
    "operation_runs",
    metadata,
    Column("run_id", UUID(as_uuid=True), primary_key=True),
    _org_fk(),
    Column("company_id", UUID(as_uuid=True)),
    Column("user_id", UUID(as_uuid=True)),
    Column("role", Text),
    Column("auth_method", Text),
    Column("operation_id", Text, nullable=False),
    Column("entity_type", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("missing_inputs", JSONB, nullable=False, server_default=text("'[]'::jsonb")),
    Column("input_payload", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Column("output_payload", JSONB),
    Column("error", JSONB),
    Column("provider_order_used", JSONB, nullable=False, server_default=text("'[]'::jsonb")),
    Column("submission_id", UUID(as_uuid=True)),
    Column("pipeline_run_id", UUID(as_uuid=True)),
    Column("step_position", Integer),
    Column("duration_ms", Integer),
    Column("cost_usd", Numeric(12, 6), nullable=False, server_default=text("0")),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint(in_list("status", OPERATION_STATUSES), name="status"),
    CheckConstraint(in_list("entity_type", ENTITY_TYPES), name="entity_type"),
    Index("ix_operation_runs_org_created", "org_id", "created_at"),
    Index("ix_operation_runs_pipeline_run", "pipeline_run_id"),
    Index("ix_operation_runs_submission", "submission_id"),
)

operation_attempts = Table(
    "operation_attempts",
    metadata,
    # No foreign key to operation_runs: attempts are journaled as answers arrive, before the run's row.
    Column("run_id", UUID(as_uuid=True), nullable=False),
    Column("attempt_index", Integer, nullable=False),
    _org_fk(),
    Column("provider", Text, nullable=False),
    Column("action", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("skip_reason", Text),
    Column("error_class", Text),
    Column("http_status", Integer),
    Column("provider_status", Text),
    Column("duration_ms", Integer),
    Column("cost_usd", Numeric(12, 6), nullable=False, server_default=text("0")),
    Column("raw_response", JSONB),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # The journal: where the attempt was made, and enough to reuse its answer on a replay.
    Column("submission_id", UUID(as_uuid=True)),
    Column("pipeline_run_id", UUID(as_uuid=True)),
    Column("step_position", Integer),
    Column("call_key", Text),  # hash of provider, action and inputs
    Column("outcome", Text),  # the provider outcome (found, not_found, retryable, failed, skipped)
    Column("message", Text),
    Column("answer", JSONB),  # {"data": normalized answer, "raw": the full body when raw_response is cut}
    Column("final", Boolean, nullable=False, server_default=text("true")),  # false: an earlier try
    # (run, index) is the natural key, so a replayed bulk write collapses onto the same rows.
    PrimaryKeyConstraint("run_id", "attempt_index"),
    CheckConstraint(in_list("status", OPERATION_STATUSES), name="status"),
    Index("ix_operation_attempts_org_provider", "org_id", "provider", "created_at"),
    Index(
        "ix_operation_attempts_submission",
        "submission_id",
        postgresql_where=text("submission_id IS NOT NULL"),
    ),
)


# Counters of a submission's run tree and cost, kept by PostgreSQL itself: statement-level triggers on
# pipeline_runs and operation_runs (migration 0006) append each statement's net change, and the batch
# status sums them instead of counting a million runs. Appending (never updating one row per
# submission) keeps concurrent chunk transactions from queuing on a hot row; now and then a writer folds
# a submission's rows into one per key. A run whose status did not change adds nothing, so replays
# do not count twice.
submission_run_tallies = Table(
    "submission_run_tallies",
    metadata,
    Column("id", BigInteger, Identity(always=True), primary_key=True),
    Column("submission_id", UUID(as_uuid=True), nullable=False),
    Column("status", Text, nullable=False),
    Column("depth", Integer, nullable=False),
    # Net change in the number of runs, and of root runs, with this status at this depth.
    Column("runs", BigInteger, nullable=False),
    Column("roots", BigInteger, nullable=False),
    Index("ix_submission_run_tallies_submission", "submission_id"),
)

submission_cost_tallies = Table(
    "submission_cost_tallies",
    metadata,
    Column("id", BigInteger, Identity(always=True), primary_key=True),
    Column("submission_id", UUID(as_uuid=True), nullable=False),
    # The operation runs' org: the status sums only its own org's costs, as a count over them did.
    Column("org_id", UUID(as_uuid=True), nullable=False),
    Column("cost_usd", Numeric(18, 6), nullable=False),
    Index("ix_submission_cost_tallies_submission", "submission_id", "org_id"),
)


def _entity_table(name: str, *columns: Column[Any], indexes: tuple[Index, ...]) -> Table:
    return Table(
        name,
        metadata,
        _org_fk(),
        # UUIDv5 over the tenant and the natural key; see the entity-state module.
        Column("entity_id", UUID(as_uuid=True), nullable=False),
        Column("company_id", UUID(as_uuid=True)),
        *columns,
        Column("source_providers", JSONB, nullable=False, server_default=text("'[]'::jsonb")),
        Column("canonical_payload", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
        Column("last_enriched_at", DateTime(timezone=True)),
        Column("last_operation_id", Text),
        Column("last_run_id", UUID(as_uuid=True)),
        Column("record_version", BigInteger, nullable=False, server_default=text("1")),
        *_timestamps(),
        PrimaryKeyConstraint("org_id", "entity_id"),
        ForeignKeyConstraint(
            ["org_id", "company_id"], ["companies.org_id", "companies.id"], name=f"fk_{name}_company_in_org"
        ),
        *indexes,
    )


company_entities = _entity_table(
    "company_entities",
    Column("canonical_domain", Text),
    Column("canonical_name", Text),
    Column("linkedin_url", Text),
    Column("industry", Text),
    Column("employee_count", Integer),
    Column("employee_range", Text),
    Column("revenue_band", Text),
    Column("hq_country", Text),
    Column("description", Text),
    Column("enrichment_confidence", Numeric(5, 4)),
    indexes=(
        Index(
            "ux_company_entities_org_domain",
            "org_id",
            "canonical_domain",
            unique=True,
            postgresql_where=text("canonical_domain IS NOT NULL"),
        ),
        Index("ix_company_entities_org_linkedin", "org_id", "linkedin_url"),
        Index("ix_company_entities_org_updated", "org_id", "updated_at", "entity_id"),
    ),
)

person_entities = _entity_table(
    "person_entities",
    Column("full_name", Text),
    Column("first_name", Text),
    Column("last_name", Text),
    Column("linkedin_url", Text),
    Column("title", Text),
    Column("seniority", Text),
    Column("department", Text),
    Column("company_domain", Text),
    Column("work_email", Text),
    Column("email_status", Text),
    Column("phone_e164", Text),
    Column("contact_confidence", Numeric(5, 4)),
    indexes=(
        Index(
            "ux_person_entities_org_linkedin",
            "org_id",
            "linkedin_url",
            unique=True,
            postgresql_where=text("linkedin_url IS NOT NULL"),
        ),
        Index("ix_person_entities_org_email", "org_id", "work_email"),
        Index("ix_person_entities_org_updated", "org_id", "updated_at", "entity_id"),
    ),
)

entity_timeline = Table(
    "entity_timeline",
    metadata,
    _uuid_pk(),
    _org_fk(),
    Column("company_id", UUID(as_uuid=True)),
    Column("entity_type", Text, nullable=False),
    Column("entity_id", UUID(as_uuid=True), nullable=False),
    Column("event_type", Text, nullable=False),
    Column("operation_id", Text),
    Column("pipeline_run_id", UUID(as_uuid=True)),
    Column("submission_id", UUID(as_uuid=True)),
    Column("provider", Text),
    Column("status", Text, nullable=False),
    Column("fields_updated", JSONB),
    Column("summary", Text),
    Column("metadata", JSONB),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint(in_list("status", TIMELINE_STATUSES), name="status"),
    CheckConstraint(in_list("entity_type", ENTITY_TYPES), name="entity_type"),
    Index("ix_entity_timeline_entity", "org_id", "entity_type", "entity_id", "created_at"),
    Index("ix_entity_timeline_run", "org_id", "pipeline_run_id"),
    Index("ix_entity_timeline_submission", "org_id", "submission_id", "created_at"),
)

WEBHOOK_EVENTS = (
    "submission.completed", "submission.failed", "submission.canceled", "submission.budget_exhausted",
)  # fmt: skip
DELIVERY_STATUSES = tuple(s.value for s in DeliveryStatus)

# A tenant's HTTP endpoint for events. A company_id pins it to that company's submissions; null: the org's.
webhooks = Table(
    "webhooks",
    metadata,
    _uuid_pk(),
    _org_fk(),
    Column("company_id", UUID(as_uuid=True)),
    Column("url", Text, nullable=False),
    Column("events", JSONB, nullable=False),  # a list of WEBHOOK_EVENTS
    Column("description", Text),
    # The signing secret sealed with AES-GCM (api/services/secret_box.py): shown once, never stored plain.
    Column("secret_sealed", Text, nullable=False),
    Column("created_by_user_id", UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL")),
    *_timestamps(),
    CheckConstraint("jsonb_typeof(events) = 'array'", name="events_array"),
    ForeignKeyConstraint(
        ["org_id", "company_id"],
        ["companies.org_id", "companies.id"],
        name="fk_webhooks_company_in_org",
        ondelete="CASCADE",
    ),
    UniqueConstraint("org_id", "id", name="uq_webhooks_org_id_id"),
    Index("ix_webhooks_org_id", "org_id"),
)

# The outbox: one row per event and webhook, written in the transaction that stores the event's cause.
webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    _uuid_pk(),
    _org_fk(),
    Column("company_id", UUID(as_uuid=True)),
    Column("webhook_id", UUID(as_uuid=True), nullable=False),
    Column("event_id", UUID(as_uuid=True), nullable=False),  # the same for every webhook of one event
    Column("event_type", Text, nullable=False),
    Column("submission_id", UUID(as_uuid=True)),
    Column("payload", JSONB, nullable=False),  # the body sent, as {id, type, created_at, data}
    Column("status", Text, nullable=False, server_default=text(f"'{DeliveryStatus.PENDING}'")),
    Column("attempt_count", Integer, nullable=False, server_default=text("0")),
    # When a pending delivery is next due; a claimed one is pushed past the claim's lease.
    Column("next_attempt_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("last_status_code", Integer),
    Column("last_error", Text),
    Column("delivered_at", DateTime(timezone=True)),
    *_timestamps(),
    CheckConstraint(in_list("status", DELIVERY_STATUSES), name="status"),
    ForeignKeyConstraint(
        ["org_id", "webhook_id"],
        ["webhooks.org_id", "webhooks.id"],
        name="fk_webhook_deliveries_webhook_in_org",
        ondelete="CASCADE",
    ),
    ForeignKeyConstraint(
        ["org_id", "submission_id"],
        ["submissions.org_id", "submissions.id"],
        name="fk_webhook_deliveries_submission_in_org",
        ondelete="CASCADE",
    ),
    UniqueConstraint("webhook_id", "event_id", name="uq_webhook_deliveries_webhook_event"),
    UniqueConstraint("org_id", "id", name="uq_webhook_deliveries_org_id_id"),
    # The deliverer's poll: due pending rows only.
    Index(
        "ix_webhook_deliveries_due",
        "next_attempt_at",
        postgresql_where=text(f"status = '{DeliveryStatus.PENDING}'"),
    ),
    Index("ix_webhook_deliveries_org_created", "org_id", "created_at", "id"),
    Index("ix_webhook_deliveries_webhook", "webhook_id"),
    Index("ix_webhook_deliveries_submission", "submission_id"),
)

webhook_attempts = Table(
    "webhook_attempts",
    metadata,
    Column("delivery_id", UUID(as_uuid=True), nullable=False),
    Column("attempt_number", Integer, nullable=False),
    _org_fk(),
    Column("status_code", Integer),  # null: no answer (refused target, DNS, connection, timeout)
    Column("error", Text),
    Column("duration_ms", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    PrimaryKeyConstraint("delivery_id", "attempt_number"),
    ForeignKeyConstraint(
        ["org_id", "delivery_id"],
        ["webhook_deliveries.org_id", "webhook_deliveries.id"],
        name="fk_webhook_attempts_delivery_in_org",
        ondelete="CASCADE",
    ),
    Index("ix_webhook_attempts_org_id", "org_id"),
)

# Public web pages as last fetched, by the URL asked for (providers/web/fetcher.py's cache): shared by
# every tenant, since a public page is the same for all of them; no tenant data is kept here.
web_pages = Table(
    "web_pages",
    metadata,
    Column("url", Text, primary_key=True),
    Column("final_url", Text, nullable=False),
    Column("html", Text, nullable=False),
    Column("etag", Text),
    Column("last_modified", Text),
    Column("fetched_at", DateTime(timezone=True), nullable=False),  # last fetch or 304 revalidation
)

# The web lane's politeness, shared by every worker: a domain's next free send time.
web_domain_slots = Table(
    "web_domain_slots",
    metadata,
    Column("domain", Text, primary_key=True),
    Column("next_at", DateTime(timezone=True), nullable=False),
)

TENANT_TABLES = tuple(t for t in metadata.sorted_tables if "org_id" in t.c and t.name != "orgs")
