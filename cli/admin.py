"""`dex admin`: create orgs, companies, users, API tokens and super-admins from the command line."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import UUID

import typer
from pydantic import TypeAdapter, ValidationError

from api.auth.passwords import hash_password
from api.schemas.common import Email, Password, Slug
from api.services import auth as auth_service
from api.services import tenancy
from cli.context import CliError, one_line_errors, open_database, settings_or_exit
from store.repositories import orgs, super_admins, users

app = typer.Typer(
    help="Administer tenants: orgs, companies, users, API tokens, super-admins.", no_args_is_help=True
)
org_app = typer.Typer(help="Orgs.", no_args_is_help=True)
company_app = typer.Typer(help="Companies inside an org.", no_args_is_help=True)
user_app = typer.Typer(help="Tenant users.", no_args_is_help=True)
token_app = typer.Typer(help="Tenant API tokens (shown once).", no_args_is_help=True)
super_app = typer.Typer(help="Super-admins (operators).", no_args_is_help=True)
app.add_typer(org_app, name="org")
app.add_typer(company_app, name="company")
app.add_typer(user_app, name="user")
app.add_typer(token_app, name="token")
app.add_typer(super_app, name="super-admin")


def _checked(kind: Any, value: Any, label: str) -> Any:
    try:
        return TypeAdapter(kind).validate_python(value)
    except ValidationError as exc:
        raise CliError(f"{label}: {exc.errors()[0]['msg']}") from exc


def _print(row: dict[str, Any]) -> None:
    typer.echo(json.dumps(row, default=str, indent=2))


def _password(value: str | None) -> str:
    if value is None:
        value = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return str(_checked(Password, value, "password"))


@org_app.command("create")
@one_line_errors
def org_create(
    name: Annotated[str, typer.Argument(help="Display name.")],
    slug: Annotated[str, typer.Option(help="Unique lowercase slug (a-z, 0-9, -).")],
) -> None:
    """Create an org."""
    slug = _checked(Slug, slug, "slug")
    with open_database(settings_or_exit(), migrate=False) as db, db.engine.begin() as conn:
        _print(orgs.create_org(conn=conn, name=name, slug=slug))


@org_app.command("list")
@one_line_errors
def org_list(limit: Annotated[int, typer.Option(help="Most rows to show.")] = 100) -> None:
    """List orgs."""
    with open_database(settings_or_exit(), migrate=False) as db, db.engine.connect() as conn:
        for row in orgs.list_orgs(conn=conn, limit=limit, offset=0):
            typer.echo(
                f"{row['id']}  {row['slug']:<24} {row['name']}{'' if row['is_active'] else '  (inactive)'}"
            )


@company_app.command("create")
@one_line_errors
def company_create(
    name: Annotated[str, typer.Argument(help="Company name, unique in the org.")],
    org: Annotated[UUID, typer.Option(help="Org id.")],
    domain: Annotated[str | None, typer.Option(help="The company's web domain.")] = None,
    external_ref: Annotated[str | None, typer.Option(help="Your own reference for it.")] = None,
) -> None:
    """Create a company in an org."""
    with open_database(settings_or_exit(), migrate=False) as db, db.engine.begin() as conn:
        _print(
            tenancy.create_company(conn=conn, org_id=org, name=name, domain=domain, external_ref=external_ref)
        )


@user_app.command("create")
@one_line_errors
def user_create(
    email: Annotated[str, typer.Argument(help="Login email (globally unique).")],
    org: Annotated[UUID, typer.Option(help="Org id.")],
    role: Annotated[str, typer.Option(help="org_admin, company_admin or member.")] = "org_admin",
    company: Annotated[UUID | None, typer.Option(help="Company id (required unless org_admin).")] = None,
    password: Annotated[str | None, typer.Option(help="Password (prompted when omitted).")] = None,
    full_name: Annotated[str | None, typer.Option(help="Display name.")] = None,
) -> None:
    """Create a tenant user."""
    email = _checked(Email, email, "email")
    if role not in ("org_admin", "company_admin", "member"):
        raise CliError("role must be org_admin, company_admin or member")
    if role != "org_admin" and company is None:
        raise CliError(f"--company is required for role {role}")
    secret = _password(password)
    with open_database(settings_or_exit(), migrate=False) as db, db.engine.begin() as conn:
        row = tenancy.create_user(
            conn=conn,
            org_id=org,
            email=email,
            password=secret,
            role=role,
            company_id=company,
            full_name=full_name,
        )
    _print(row)


@user_app.command("deactivate")
@one_line_errors
def user_deactivate(user_id: Annotated[UUID, typer.Argument(help="User id.")]) -> None:
    """Deactivate a user; their tokens stop working at once."""
    with open_database(settings_or_exit(), migrate=False) as db, db.engine.begin() as conn:
        _print(users.deactivate_user(conn=conn, user_id=user_id))


@token_app.command("create")
@one_line_errors
def token_create(
    user: Annotated[UUID, typer.Option(help="Owner's user id; the token acts with their current role.")],
    name: Annotated[str, typer.Option(help="What the token is for.")],
    expires_at: Annotated[datetime | None, typer.Option(help="Expiry (ISO 8601, UTC when no zone).")] = None,
) -> None:
    """Issue an API token; it is printed once and stored only as a hash."""
    if expires_at is not None and expires_at.tzinfo is None:
        expires_at = expires_at.replace(tzinfo=UTC)
    with open_database(settings_or_exit(), migrate=False) as db, db.engine.begin() as conn:
        row = auth_service.issue_api_token(
            conn=conn, user_id=user, name=name, expires_at=expires_at, issued_by=None
        )
    _print(row)


@super_app.command("create")
@one_line_errors
def super_admin_create(
    email: Annotated[str, typer.Argument(help="Login email.")],
    password: Annotated[str | None, typer.Option(help="Password (prompted when omitted).")] = None,
) -> None:
    """Create a super-admin who can log in at /api/super-admin/login."""
    email = _checked(Email, email, "email")
    secret = _password(password)
    with open_database(settings_or_exit(), migrate=False) as db, db.engine.begin() as conn:
        _print(super_admins.create_super_admin(conn=conn, email=email, password_hash=hash_password(secret)))
