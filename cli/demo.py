"""`dex demo`: the main job on embedded defaults. For now: a demo tenant and the API, ready to call."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from api.services import auth as auth_service
from api.services import tenancy
from store.repositories import companies, orgs, users

DEMO_SLUG = "demo"
DEMO_COMPANY = "Demo Company"
DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "demo-password"


def ensure_demo_tenant(*, conn: Connection) -> dict[str, Any]:
    """Create (or reuse) the demo org, company and admin user, and issue a fresh API token."""
    org = orgs.find_org_by_slug(conn=conn, slug=DEMO_SLUG) or orgs.create_org(
        conn=conn, name="Demo Org", slug=DEMO_SLUG
    )
    company = companies.find_company_by_name(conn=conn, org_id=org["id"], name=DEMO_COMPANY)
    if company is None:
        company = tenancy.create_company(
            conn=conn, org_id=org["id"], name=DEMO_COMPANY, domain="example.com", external_ref=None
        )
    user = users.find_user_by_email(conn=conn, email=DEMO_EMAIL)
    if user is None:
        user = tenancy.create_user(
            conn=conn,
            org_id=org["id"],
            email=DEMO_EMAIL,
            password=DEMO_PASSWORD,
            role="org_admin",
            company_id=company["id"],
            full_name="Demo Admin",
        )
    token = auth_service.issue_api_token(
        conn=conn, user_id=user["id"], name="demo", expires_at=None, issued_by=None
    )
    return {"org": org, "company": company, "user": user, "api_token": token["token"]}
