"""Person operations."""
