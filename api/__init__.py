"""The FastAPI head node: app factory, auth, dependencies, routers and schemas."""
