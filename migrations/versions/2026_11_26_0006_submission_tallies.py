"""Submission tallies kept by triggers (run counts by status and depth, roots, cost); unique root indexes.

Every statement that inserts, updates or deletes pipeline_runs appends its net change per
(submission, status, depth) to submission_run_tallies; operation_runs does the same for cost in
submission_cost_tallies. The triggers are statement-level with transition tables, so a COPY of a
million runs adds one aggregate, not a million row triggers, and an update that leaves a run's status
as it was (a replayed chunk) nets to nothing. Writers only append, so concurrent chunk transactions
never wait on each other here; once a submission has FOLD_AFTER rows, the writer folds them into one
per key, skipping rows another folder holds (SKIP LOCKED), which keeps every sum exact.

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FOLD_AFTER = 64

FUNCTIONS = f"""
CREATE FUNCTION fold_run_tallies(target uuid) RETURNS void LANGUAGE sql AS $$
    WITH folded AS (
        DELETE FROM submission_run_tallies WHERE id IN (
            SELECT id FROM submission_run_tallies WHERE submission_id = target FOR UPDATE SKIP LOCKED
        )
        RETURNING status, depth, runs, roots
    )
    INSERT INTO submission_run_tallies (submission_id, status, depth, runs, roots)
    SELECT target, status, depth, sum(runs), sum(roots) FROM folded GROUP BY status, depth
    HAVING sum(runs) <> 0 OR sum(roots) <> 0
$$;

CREATE FUNCTION fold_cost_tallies(target uuid) RETURNS void LANGUAGE sql AS $$
    WITH folded AS (
        DELETE FROM submission_cost_tallies WHERE id IN (
            SELECT id FROM submission_cost_tallies WHERE submission_id = target FOR UPDATE SKIP LOCKED
        )
        RETURNING org_id, cost_usd
    )
    INSERT INTO submission_cost_tallies (submission_id, org_id, cost_usd)
    SELECT target, org_id, sum(cost_usd) FROM folded GROUP BY org_id HAVING sum(cost_usd) <> 0
$$;

-- Fold the tallies of these submissions that have piled up. Only under READ COMMITTED: a
-- REPEATABLE READ writer could fail to lock a row another folder deleted after its snapshot.
CREATE FUNCTION fold_tallies_if_due(tally regclass, touched uuid[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    target uuid;
    piled int;
BEGIN
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        RETURN;
    END IF;
    FOREACH target IN ARRAY coalesce(touched, '{{}}') LOOP
        EXECUTE format(
            'SELECT count(*) FROM (SELECT 1 FROM %s WHERE submission_id = $1 LIMIT {FOLD_AFTER}) t', tally
        ) INTO piled USING target;
        IF piled >= {FOLD_AFTER} THEN
            IF tally = 'submission_run_tallies'::regclass THEN
                PERFORM fold_run_tallies(target);
            ELSE
                PERFORM fold_cost_tallies(target);
            END IF;
        END IF;
    END LOOP;
END $$;

CREATE FUNCTION tally_run_changes() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    touched uuid[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        WITH added AS (
            INSERT INTO submission_run_tallies (submission_id, status, depth, runs, roots)
            SELECT submission_id, status, depth, count(*),
                   count(*) FILTER (WHERE parent_pipeline_run_id IS NULL)
              FROM new_runs GROUP BY submission_id, status, depth
            RETURNING submission_id
        )
        SELECT array_agg(DISTINCT submission_id) INTO touched FROM added;
    ELSIF TG_OP = 'UPDATE' THEN
        WITH added AS (
            INSERT INTO submission_run_tallies (submission_id, status, depth, runs, roots)
            SELECT submission_id, status, depth, sum(runs), sum(roots) FROM (
                SELECT submission_id, status, depth, 1 AS runs,
                       (parent_pipeline_run_id IS NULL)::int AS roots
                  FROM new_runs
                UNION ALL
                SELECT submission_id, status, depth, -1, -(parent_pipeline_run_id IS NULL)::int FROM old_runs
            ) AS change
            GROUP BY submission_id, status, depth
            HAVING sum(runs) <> 0 OR sum(roots) <> 0
            RETURNING submission_id
        )
        SELECT array_agg(DISTINCT submission_id) INTO touched FROM added;
    ELSE
        -- Runs deleted with their submission leave no tallies behind (tally_deleted_submissions).
        INSERT INTO submission_run_tallies (submission_id, status, depth, runs, roots)
        SELECT submission_id, status, depth, -count(*),
               -count(*) FILTER (WHERE parent_pipeline_run_id IS NULL)
          FROM old_runs o
         WHERE EXISTS (SELECT 1 FROM submissions s WHERE s.id = o.submission_id)
         GROUP BY submission_id, status, depth;
    END IF;
    PERFORM fold_tallies_if_due('submission_run_tallies', touched);
    RETURN NULL;
END $$;

CREATE FUNCTION tally_cost_changes() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    touched uuid[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        WITH added AS (
            INSERT INTO submission_cost_tallies (submission_id, org_id, cost_usd)
            SELECT submission_id, org_id, sum(cost_usd) FROM new_runs
             WHERE submission_id IS NOT NULL
             GROUP BY submission_id, org_id HAVING sum(cost_usd) <> 0
            RETURNING submission_id
        )
        SELECT array_agg(DISTINCT submission_id) INTO touched FROM added;
    ELSIF TG_OP = 'UPDATE' THEN
        WITH added AS (
            INSERT INTO submission_cost_tallies (submission_id, org_id, cost_usd)
            SELECT submission_id, org_id, sum(cost_usd) FROM (
                SELECT submission_id, org_id, cost_usd FROM new_runs
                UNION ALL
                SELECT submission_id, org_id, -cost_usd FROM old_runs
            ) AS change
             WHERE submission_id IS NOT NULL
             GROUP BY submission_id, org_id HAVING sum(cost_usd) <> 0
            RETURNING submission_id
        )
        SELECT array_agg(DISTINCT submission_id) INTO touched FROM added;
    ELSE
        INSERT INTO submission_cost_tallies (submission_id, org_id, cost_usd)
        SELECT submission_id, org_id, -sum(cost_usd) FROM old_runs o
         WHERE EXISTS (SELECT 1 FROM submissions s WHERE s.id = o.submission_id)
         GROUP BY submission_id, org_id HAVING sum(cost_usd) <> 0;
    END IF;
    PERFORM fold_tallies_if_due('submission_cost_tallies', touched);
    RETURN NULL;
END $$;

CREATE FUNCTION tally_deleted_submissions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM submission_run_tallies WHERE submission_id IN (SELECT id FROM gone);
    DELETE FROM submission_cost_tallies WHERE submission_id IN (SELECT id FROM gone);
    RETURN NULL;
END $$;

CREATE FUNCTION tally_truncated_runs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'pipeline_runs' THEN
        DELETE FROM submission_run_tallies;
    ELSE
        DELETE FROM submission_cost_tallies;
    END IF;
    RETURN NULL;
END $$;
"""

TRIGGERS = {"pipeline_runs": "tally_run_changes", "operation_runs": "tally_cost_changes"}

BACKFILL = """
INSERT INTO submission_run_tallies (submission_id, status, depth, runs, roots)
SELECT submission_id, status, depth, count(*), count(*) FILTER (WHERE parent_pipeline_run_id IS NULL)
  FROM pipeline_runs GROUP BY submission_id, status, depth;
INSERT INTO submission_cost_tallies (submission_id, org_id, cost_usd)
SELECT submission_id, org_id, sum(cost_usd) FROM operation_runs
 WHERE submission_id IS NOT NULL GROUP BY submission_id, org_id HAVING sum(cost_usd) <> 0;
"""


def upgrade() -> None:
    op.drop_index("ix_pipeline_runs_submission_roots", table_name="pipeline_runs")
    op.create_index(
        "ux_pipeline_runs_submission_roots",
        "pipeline_runs",
        ["submission_id", "entity_index"],
        unique=True,
        postgresql_where=sa.text("parent_pipeline_run_id IS NULL"),
    )
    op.create_table(
        "submission_run_tallies",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("submission_id", sa.UUID(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("depth", sa.Integer(), nullable=False),
        sa.Column("runs", sa.BigInteger(), nullable=False),
        sa.Column("roots", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_submission_run_tallies"),
    )
    op.create_index("ix_submission_run_tallies_submission", "submission_run_tallies", ["submission_id"])
    op.create_table(
        "submission_cost_tallies",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("submission_id", sa.UUID(), nullable=False),
        sa.Column("org_id", sa.UUID(), nullable=False),
        sa.Column("cost_usd", sa.Numeric(18, 6), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_submission_cost_tallies"),
    )
    op.create_index(
        "ix_submission_cost_tallies_submission", "submission_cost_tallies", ["submission_id", "org_id"]
    )
    op.execute(FUNCTIONS)
    for table, function in TRIGGERS.items():
        # A trigger with transition tables serves one event: three per table, one function.
        for event, tables in (
            ("insert", "NEW TABLE AS new_runs"),
            ("update", "OLD TABLE AS old_runs NEW TABLE AS new_runs"),
            ("delete", "OLD TABLE AS old_runs"),
        ):
            op.execute(
                f"CREATE TRIGGER {table}_tally_{event}s AFTER {event.upper()} ON {table} "
                f"REFERENCING {tables} FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
            )
        op.execute(
            f"CREATE TRIGGER {table}_tally_truncates AFTER TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION tally_truncated_runs()"
        )
    op.execute(
        "CREATE TRIGGER submissions_tally_deletes AFTER DELETE ON submissions "
        "REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION tally_deleted_submissions()"
    )
    # The triggers' locks are held until this transaction commits: no write slips in before the backfill.
    op.execute(BACKFILL)


def downgrade() -> None:
    op.execute("DROP TRIGGER submissions_tally_deletes ON submissions")
    for table in TRIGGERS:
        for event in ("inserts", "updates", "deletes", "truncates"):
            op.execute(f"DROP TRIGGER {table}_tally_{event} ON {table}")
    for function in (
        "tally_truncated_runs()",
        "tally_deleted_submissions()",
        "tally_cost_changes()",
        "tally_run_changes()",
        "fold_tallies_if_due(regclass, uuid[])",
        "fold_cost_tallies(uuid)",
        "fold_run_tallies(uuid)",
    ):
        op.execute(f"DROP FUNCTION {function}")
    op.drop_table("submission_cost_tallies")
    op.drop_table("submission_run_tallies")
    op.drop_index("ux_pipeline_runs_submission_roots", table_name="pipeline_runs")
    op.create_index(
        "ix_pipeline_runs_submission_roots",
        "pipeline_runs",
        ["submission_id", "entity_index"],
        postgresql_where=sa.text("parent_pipeline_run_id IS NULL"),
    )
