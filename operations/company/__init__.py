"""Company operations."""
