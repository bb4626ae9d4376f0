"""Blueprints: the step schema, and (with the engine) conditions, context merge and static validation."""
