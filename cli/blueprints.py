"""`dex blueprints`: list, show and validate blueprints; load and store a blueprint file for `dex enrich`."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml
from pydantic import ValidationError
from rich.console import Console
from sqlalchemy import Connection

from api.errors import ApiError
from api.schemas.blueprints import BlueprintCreate, BlueprintUpdate
from api.services import blueprints as blueprint_service
from cli.assemble import assemble_command
from cli.context import CliError, one_line_errors, open_database, settings_or_exit
from config import Settings
from operations.registry import all_operations
from store.errors import NotFoundError
from store.repositories import blueprints as blueprint_store
from store.repositories import orgs

# The operator's own tenant, created by `dex enrich` on first use when no --org/--company is given.
LOCAL_ORG_SLUG = "local"
LOCAL_ORG_NAME = "Local"
LOCAL_COMPANY_NAME = "Local"
BLUEPRINT_SUFFIXES = (".json", ".yaml", ".yml")
_COMPARED_STEP_FIELDS = ("position", "operation_id", "step_config", "fan_out", "is_enabled")

app = typer.Typer(help="Blueprints: list, show, validate a file, assemble.", no_args_is_help=True)
app.command("assemble")(assemble_command)
OrgOption = Annotated[
    str | None, typer.Option("--org", help="Org id (default: the local tenant of `dex enrich`).")
]


def settings_for(ctx: typer.Context | None) -> Settings:
    """Return the Settings a caller injected as the context object (tests), else read the environment."""
    if ctx is not None:
        for candidate in (ctx.obj, ctx.find_root().obj):
            if isinstance(candidate, Settings):
                return candidate
    return settings_or_exit()


def parse_id(value: str, what: str) -> uuid.UUID:
    """Parse a UUID argument, naming what it should have been."""
    try:
        return uuid.UUID(value.strip())
    except ValueError as exc:
        raise CliError(f"{what} must be a UUID, got {value!r}") from exc


def api_error_line(exc: ApiError) -> str:
    """Return an API error as one line, with its first detail when that adds something."""
    if exc.details and exc.details[0].get("message") and exc.details[0]["message"] not in exc.message:
        detail = exc.details[0]
        return f"{exc.message} ({detail.get('field')}: {detail['message']})"
    return exc.message


def looks_like_file(ref: str) -> bool:
    """Tell whether a --blueprint value names a file rather than a stored blueprint."""
    return Path(ref).suffix.lower() in BLUEPRINT_SUFFIXES or Path(ref).is_file()


def load_file(path: Path) -> BlueprintCreate:
    """Parse a JSON/YAML blueprint file ({name?, description?, entity_inputs?, steps})."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CliError(f"cannot read blueprint file {path}: {exc.strerror or exc}") from exc
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        first = str(exc).strip().splitlines()[0]
        raise CliError(
            f"{path}: not valid {'JSON' if path.suffix.lower() == '.json' else 'YAML'}: {first}"
        ) from exc
    if not isinstance(data, dict):
        raise CliError(f"{path}: expected an object with `steps`, got {type(data).__name__}")
    data.setdefault("name", path.stem)
    try:
        return BlueprintCreate.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(p) for p in error.get("loc", ())) or "blueprint"
        raise CliError(f"{path}: {where}: {error.get('msg')}") from exc


def check_file(path: Path) -> BlueprintCreate:
    """Load a blueprint file and validate it statically against the operation registry (nothing stored)."""
    body = load_file(path)
    try:
        blueprint_service.check_steps(body.steps, body.entity_inputs)
    except ApiError as exc:
        raise CliError(f"{path}: {api_error_line(exc)}") from exc
    return body


def find_by_name(conn: Connection, *, org_id: uuid.UUID, name: str) -> dict[str, Any] | None:
    """Return the org's blueprint of this name, with its steps, if any."""
    found = blueprint_store.find_blueprint_id(conn=conn, org_id=org_id, name=name)
    return (
        None if found is None else blueprint_store.get_blueprint(conn=conn, blueprint_id=found, org_id=org_id)
    )


def _same(stored: dict[str, Any], body: BlueprintCreate) -> bool:
    def steps(rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
        return sorted(tuple(json.dumps(r[f], sort_keys=True) for f in _COMPARED_STEP_FIELDS) for r in rows)

    return (
        stored["is_active"]
        and stored["entity_inputs"] == body.entity_inputs
        and (body.description is None or stored["description"] == body.description)
        and steps(stored["blueprint_steps"]) == steps([s.model_dump() for s in body.steps])
    )


def store_file_blueprint(conn: Connection, path: Path, *, org_id: uuid.UUID) -> tuple[dict[str, Any], str]:
    """Validate and store a blueprint file: reuse an identical stored one, else create it or update it."""
    body = check_file(path)
    stored = find_by_name(conn, org_id=org_id, name=body.name)
    try:
        if stored is None:
            created = blueprint_service.create_blueprint(
                conn=conn, body=body, org_id=org_id, created_by_user_id=None
            )
            return created, f"stored {path.name} as blueprint '{body.name}' (version 1)"
        if _same(stored, body):
            return stored, f"{path.name} matches stored blueprint '{body.name}' (version {stored['version']})"
        update = BlueprintUpdate(
            id=stored["id"],
            steps=body.steps,
            entity_inputs=body.entity_inputs,
            is_active=True,
            **({"description": body.description} if body.description is not None else {}),
        )
        updated = blueprint_service.update_blueprint(conn=conn, body=update, org_id=org_id)
        return (
            updated,
            f"{path.name} differs from stored '{body.name}': updated it to version {updated['version']}",
        )
    except ApiError as exc:
        raise CliError(f"{path}: {api_error_line(exc)}") from exc


def resolve_blueprint(conn: Connection, ref: str, *, org_id: uuid.UUID) -> tuple[dict[str, Any], str]:
    """Return the blueprint a --blueprint value means (a file to store, else a stored name) and a note."""
    if looks_like_file(ref):
        return store_file_blueprint(conn, Path(ref), org_id=org_id)
    stored = find_by_name(conn, org_id=org_id, name=ref)
    if stored is None:
        raise CliError(f"no blueprint named {ref!r} in this org (and no such .json/.yaml file)")
    return stored, f"blueprint '{ref}' (version {stored['version']})"


def org_for(conn: Connection, org: str | None) -> uuid.UUID | None:
    """Return the org an --org option names (checked), else the local tenant's org if it exists yet."""
    if org is not None:
        org_id = parse_id(org, "--org")
        orgs.get_org(conn=conn, org_id=org_id)
        return org_id
    local = orgs.find_org_by_slug(conn=conn, slug=LOCAL_ORG_SLUG)
    return None if local is None else uuid.UUID(str(local["id"]))


def _console() -> Console:
    return Console(highlight=False, soft_wrap=True)


@app.command("list")
@one_line_errors
def list_command(
    ctx: typer.Context,
    org: OrgOption = None,
    inactive: Annotated[bool, typer.Option("--all", help="Include inactive blueprints.")] = False,
) -> None:
    """List the org's blueprints, newest first."""
    with open_database(settings_for(ctx), migrate=False) as db, db.engine.connect() as conn:
        org_id = org_for(conn, org)
        rows = (
            []
            if org_id is None
            else blueprint_store.list_blueprints(
                conn=conn, org_id=org_id, is_active=None if inactive else True, limit=1000, offset=0
            )
        )
    if not rows:
        typer.echo("no blueprints" + ("" if org else " in the local tenant (pass --org for another)"))
        return
    width = max(len(row["name"]) for row in rows)
    for row in rows:
        typer.echo(
            f"{row['name']:<{width}}  v{row['version']:<3} {row['id']}  {row['updated_at']:%Y-%m-%d %H:%M}"
            + ("" if row["is_active"] else "  (inactive)")
        )


def step_line(step: dict[str, Any]) -> str:
    """Describe one step in a line: position, operation (entity type), fan-out, condition, config."""
    spec = all_operations().get(step["operation_id"] or "")
    config = dict(step["step_config"] or {})
    condition = config.pop("condition", None)
    name = step["operation_id"] or f"(legacy step {step['step_id']})"
    parts = [f"{step['position']}. {name}"]
    parts[0] += f" ({spec.entity_type})" if spec else " (unknown operation)"
    if step["fan_out"]:
        target = f"{spec.fan_out.field} -> {spec.fan_out.entity_type}" if spec and spec.fan_out else "yes"
        parts.append(f"fan-out {target}")
    if condition:
        parts.append(f"if {json.dumps(condition, separators=(',', ':'))}")
    if config:
        parts.append(f"config {json.dumps(config, separators=(',', ':'))}")
    if not step["is_enabled"]:
        parts.append("(disabled)")
    return "  ".join(parts)


def print_steps(console: Console, steps: list[dict[str, Any]]) -> None:
    """Print each step on its own line."""
    for step in sorted(steps, key=lambda s: s["position"]):
        console.print(f"  {step_line(step)}", markup=False)


@app.command("show")
@one_line_errors
def show_command(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Blueprint name (or id).")],
    org: OrgOption = None,
) -> None:
    """Show a stored blueprint: its steps with their operations, conditions and fan-outs."""
    with open_database(settings_for(ctx), migrate=False) as db, db.engine.connect() as conn:
        org_id = org_for(conn, org)
        if org_id is None:
            raise CliError("the local tenant has no blueprints yet (pass --org for another org)")
        try:
            blueprint = blueprint_store.get_blueprint(conn=conn, blueprint_id=uuid.UUID(name), org_id=org_id)
        except ValueError:
            found = find_by_name(conn, org_id=org_id, name=name)
            if found is None:
                raise NotFoundError(f"no blueprint named {name!r} in this org") from None
            blueprint = found
    console = _console()
    console.print(
        f"{blueprint['name']}  version {blueprint['version']}  "
        f"{'active' if blueprint['is_active'] else 'inactive'}  id {blueprint['id']}"
    )
    if blueprint["description"]:
        console.print(blueprint["description"], markup=False)
    inputs = blueprint["entity_inputs"]
    console.print(f"entity inputs: {', '.join(inputs) if inputs else '(unstated: whatever step 1 needs)'}")
    print_steps(console, blueprint["blueprint_steps"])


@app.command("validate")
@one_line_errors
def validate_command(
    path: Annotated[Path, typer.Argument(help="A .json or .yaml blueprint file.", dir_okay=False)],
) -> None:
    """Validate a blueprint file statically against the operation registry, without storing it."""
    body = check_file(path)
    console = _console()
    console.print(f"{path}: valid blueprint '{body.name}' with {len(body.steps)} step(s)", markup=False)
    print_steps(console, [{**s.model_dump(), "step_id": None} for s in body.steps])
