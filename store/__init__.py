"""Persistence: SQLAlchemy Core tables, the engine, embedded PostgreSQL and the repositories."""
