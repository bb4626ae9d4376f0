"""Output contracts: one pydantic model per operation, validated once, at the operation's boundary."""
