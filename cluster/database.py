"""The PostgreSQL engine of a cluster process: one per worker or actor process, shared by what runs there."""

from __future__ import annotations

from functools import cache

from sqlalchemy import Engine

from config import Settings
from store.engine import build_engine, resolve_database_url


@cache
def _engine(url: str) -> Engine:
    # One engine per worker process, reused by every chunk the worker runs.
    return build_engine(url, pool_size=2)


def engine_for(settings: Settings) -> Engine:
    """Return this process's engine for the configured database."""
    return _engine(resolve_database_url(settings))
