"""Super-admin routers: the operator's CRUD over every org."""

from fastapi import APIRouter

from api.routers.super_admin import api_tokens, auth, blueprints, companies, orgs, steps, users

router = APIRouter(prefix="/api/super-admin")
for module in (auth, orgs, companies, users, api_tokens, blueprints, steps):
    router.include_router(module.router)
