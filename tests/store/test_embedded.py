"""With no DATABASE_URL, an embedded PostgreSQL starts, migrates, keeps rows, and survives a restart."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import make_url

from config import DatabaseSettings, Settings
from migrations.runner import upgrade
from store.engine import build_engine, resolve_database_url
from store.repositories.orgs import create_org
from store.tables import orgs

_CHILD = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from sqlalchemy import select
    from config import Settings
    from migrations.runner import upgrade
    from store.engine import build_engine, resolve_database_url
    from store.repositories.orgs import create_org
    from store.tables import orgs

    settings = Settings(dex_env="test", dex_state_dir=Path(sys.argv[1]), auth={
        "jwt_secret": "x" * 40, "super_admin_jwt_secret": "y" * 40})
    assert settings.database.database_url is None
    url = resolve_database_url(settings)
    upgrade(url)
    engine = build_engine(url, pool_size=1)
    with engine.begin() as conn:
        if sys.argv[2] == "write":
            create_org(conn=conn, name="Persisted", slug="persisted")
        print(conn.execute(select(orgs.c.slug)).scalars().all())
    engine.dispose()
    """
)


def _run_child(state_dir: Path, mode: str) -> str:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    result = subprocess.run(
        [sys.executable, "-c", _CHILD, str(state_dir), mode],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_embedded_postgres_round_trips_a_row(tmp_path: Path) -> None:
    settings = Settings(
        dex_env="test",
        dex_state_dir=tmp_path,
        database=DatabaseSettings(database_url=None),
        auth={"jwt_secret": "x" * 40, "super_admin_jwt_secret": "y" * 40},  # type: ignore[arg-type]
    )
    url = resolve_database_url(settings)
    parsed = make_url(url)
    assert parsed.database == "dex" and "host" in parsed.query, (
        "the embedded server's own database, by socket"
    )
    upgrade(url)
    engine = build_engine(url, pool_size=1)
    try:
        with engine.begin() as conn:
            created = create_org(conn=conn, name="Embedded", slug="embedded")
        with engine.connect() as conn:
            row = conn.execute(select(orgs).where(orgs.c.id == created["id"])).one()
        assert row.slug == "embedded"
    finally:
        engine.dispose()


def test_embedded_data_survives_a_restart(tmp_path: Path) -> None:
    assert _run_child(tmp_path, "write") == "['persisted']"
    # The first process stopped its server on exit; this one starts it again on the same data.
    assert _run_child(tmp_path, "read") == "['persisted']"
    assert (tmp_path / "postgres" / "PG_VERSION").exists()
