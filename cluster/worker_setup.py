"""What every Ray worker process runs when it starts (Ray's worker_process_setup_hook names it).

Importing the engine here, once per process, makes a worker's first chunk or actor call as quick as
its later ones.
"""

from __future__ import annotations

import cluster.chunk  # noqa: F401  (the engine and, through it, SQLAlchemy, Polars, aiohttp)
from operations.registry import all_operations
from providers.registry import all_providers


def prepare_worker() -> None:
    """Load the operation and provider registries (the imports above brought in the engine)."""
    all_operations()
    all_providers()
