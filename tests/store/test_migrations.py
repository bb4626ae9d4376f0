"""Alembic migrations build the schema from empty, match the table definitions, and drop it back."""

from __future__ import annotations

from collections.abc import Iterator
from uuid import uuid4

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import make_url

from migrations.runner import current_revision, downgrade, upgrade
from store.embedded import drop_database, ensure_database
from store.engine import sqlalchemy_url
from store.tables import metadata


@pytest.fixture
def empty_database(server_admin_url: str) -> Iterator[str]:
    name = f"dex_migrate_{uuid4().hex[:10]}"
    ensure_database(server_admin_url, name)
    yield make_url(server_admin_url).set(database=name).render_as_string(hide_password=False)
    drop_database(server_admin_url, name)


def _tables(url: str) -> set[str]:
    engine = create_engine(sqlalchemy_url(url))
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_from_empty_matches_the_table_definitions(empty_database: str) -> None:
    assert current_revision(empty_database) is None
    upgrade(empty_database)
    assert _tables(empty_database) == {t.name for t in metadata.sorted_tables} | {"alembic_version"}
    engine = create_engine(sqlalchemy_url(empty_database))
    try:
        with engine.connect() as conn:
            diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
    finally:
        engine.dispose()
    assert diffs == [], "store/tables.py and the migrations disagree"


def test_downgrade_to_base_drops_everything_and_upgrade_again_works(empty_database: str) -> None:
    upgrade(empty_database)
    downgrade(empty_database, "base")
    assert _tables(empty_database) == {"alembic_version"}
    assert current_revision(empty_database) is None
    upgrade(empty_database)
    assert "step_results" in _tables(empty_database)
