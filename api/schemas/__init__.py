"""Request and response schemas, by intent (Create, Update, Read)."""
