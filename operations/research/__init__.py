"""Research operations."""
