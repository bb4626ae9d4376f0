"""A scratch PostgreSQL database for a benchmark (DATABASE_URL's server, else embedded), dropped after."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from uuid import uuid4

from sqlalchemy.engine import make_url

from migrations.runner import upgrade
from store.embedded import drop_database, ensure_database, start_embedded_postgres
from store.engine import libpq_url


@contextmanager
def scratch_database(prefix: str = "dex_bench") -> Iterator[str]:
    """Yield the URL of a new, migrated, empty database; drop it afterwards."""
    with tempfile.TemporaryDirectory(prefix="dex-bench-") as tmp:
        configured = os.environ.get("DATABASE_URL")
        admin = (
            libpq_url(configured)
            if configured
            else start_embedded_postgres(Path(tmp) / "pg", database="postgres")
        )
        name = f"{prefix}_{uuid4().hex[:8]}"
        ensure_database(admin, name)
        url = make_url(admin).set(database=name).render_as_string(hide_password=False)
        try:
            upgrade(url)
            yield url
        finally:
            drop_database(admin, name)
