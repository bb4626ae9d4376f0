"""What every command needs: settings, a migrated database, and one-line errors."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import wraps
from typing import Any, NoReturn, TypeVar

import typer
from alembic.script import ScriptDirectory
from pydantic import ValidationError
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from cli.entry import INTERRUPTED, interrupted
from config import Settings, load_settings
from migrations.runner import alembic_config, current_revision, upgrade
from store.engine import build_engine, resolve_database_url
from store.errors import StoreError

F = TypeVar("F", bound=Callable[..., Any])


class CliError(Exception):
    """An error to print as one line before exiting 1."""


@dataclass
class Database:
    """A resolved database URL and its engine."""

    url: str
    engine: Engine


def settings_or_exit() -> Settings:
    """Load settings, turning a bad environment into one readable line."""
    try:
        return load_settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or "settings"
        raise CliError(f"invalid configuration ({where}): {first.get('msg')}") from exc


def head_revision(url: str) -> str | None:
    """Return the newest migration revision."""
    return ScriptDirectory.from_config(alembic_config(url)).get_current_head()


@contextmanager
def open_database(settings: Settings, *, migrate: bool) -> Iterator[Database]:
    """Resolve the database, bring its schema to head if allowed, and yield it."""
    url = resolve_database_url(settings)
    embedded = settings.database.database_url is None
    if migrate or embedded:
        upgrade(url)
    elif current_revision(url) != head_revision(url):
        raise CliError("the database schema is not up to date: run `dex db upgrade` first")
    engine = build_engine(url, pool_size=2)
    try:
        yield Database(url=url, engine=engine)
    finally:
        engine.dispose()


def _quit_interrupted() -> NoReturn:
    typer.secho("interrupted", err=True)
    sys.exit(INTERRUPTED)


def one_line_errors(func: F) -> F:
    """Print expected failures as `error: …` and exit 1 (Ctrl-C: `interrupted`, 130), never a traceback."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (typer.Exit, typer.Abort):
            raise
        except KeyboardInterrupt:  # Ctrl-C where the command has nothing of its own to say
            _quit_interrupted()
        except Exception as exc:
            if interrupted():  # a library the Ctrl-C cut short failed in its own way
                _quit_interrupted()
            if isinstance(exc, CliError | StoreError):
                typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
                sys.exit(1)
            if isinstance(exc, OperationalError):
                reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
                typer.secho(f"error: cannot reach the database: {reason}", fg=typer.colors.RED, err=True)
                sys.exit(1)
            raise

    return wrapper  # type: ignore[return-value]
