"""Engine construction: where the database is, and one SQLAlchemy engine per process."""

from __future__ import annotations

from psycopg.types.json import set_json_dumps, set_json_loads
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from config import Settings
from store import jsonb
from store.embedded import start_embedded_postgres


def sqlalchemy_url(url: str) -> str:
    """Return url with the psycopg 3 driver named, whatever spelling the user gave."""
    parsed = make_url(url)
    if parsed.drivername in ("postgres", "postgresql", "postgresql+psycopg2"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.drivername != "postgresql+psycopg":
        raise ValueError(f"DATABASE_URL must be a PostgreSQL URL, not {parsed.drivername!r}")
    return parsed.render_as_string(hide_password=False)


def libpq_url(url: str) -> str:
    """Return url in the plain form libpq and psql understand."""
    parsed = make_url(sqlalchemy_url(url)).set(drivername="postgresql")
    return parsed.render_as_string(hide_password=False)


def resolve_database_url(settings: Settings) -> str:
    """Return the SQLAlchemy URL of DATABASE_URL, or start the embedded server and return its URL."""
    configured = settings.database.database_url
    if configured is not None:
        return sqlalchemy_url(configured.get_secret_value())
    return sqlalchemy_url(start_embedded_postgres(settings.dex_state_dir / "postgres"))


def build_engine(url: str, *, pool_size: int = 10, echo: bool = False) -> Engine:
    """Create the engine for url (psycopg 3, pre-ping so a restarted server is survived)."""
    # JSON is written and read by orjson (several times faster than the standard library); the
    # writer first checks that nothing would be stored changed (orjson writes NaN and Infinity as null).
    set_json_dumps(jsonb.dumps)
    set_json_loads(jsonb.loads)
    return create_engine(
        sqlalchemy_url(url),
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        echo=echo,
    )


def answers(engine: Engine) -> bool:
    """Return whether the database answers a trivial query (False on any error)."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception:
        return False
    return True
