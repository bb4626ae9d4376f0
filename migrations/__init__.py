"""Alembic migrations of the data-engine-x schema, and the runner that applies them."""
