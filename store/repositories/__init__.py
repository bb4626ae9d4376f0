"""Repositories, one module per resource: functions take the connection keyword-only, never commit."""
