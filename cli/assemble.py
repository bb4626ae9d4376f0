"""`dex blueprints assemble GOAL --inputs …`: plan a blueprint for a goal, say why, price it, maybe store it.

The same planning as POST /api/blueprints/assemble (api/services/assemble.py), against the local
tenant (or --org) for its history; `--save NAME` stores the blueprint through the create path, so
`dex enrich --blueprint NAME` can run it.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console

from api.errors import ApiError
from api.schemas.assemble import AssembleRequest
from api.services import assemble as assemble_service
from api.services import blueprints as blueprint_service
from api.services.goal_reading import Reading
from blueprints.assembler import Assembly
from blueprints.goal import Goal
from cli.context import CliError, one_line_errors, open_database
from cluster.gateway import GatewayPool
from config import Settings
from store.repositories import orgs


def _request(goal: str, inputs: str, entity_type: str, save: str | None) -> AssembleRequest:
    """Return the request a goal (JSON for the structured form, else plain language) and options make."""
    text = goal.strip()
    parsed: Any = text
    if text.startswith("{"):
        try:
            parsed = json.loads(text)
        except json.JSONDecodeError as exc:
            raise CliError(f"the goal looks like JSON but is not: {exc}") from exc
    body = {
        "goal": parsed,
        "entity_type": entity_type,
        "available_inputs": [name.strip() for name in inputs.split(",") if name.strip()],
        "save": save is not None,
        **({"name": save} if save else {}),
    }
    try:
        return AssembleRequest.model_validate(body)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(p) for p in error.get("loc", ()))
        raise CliError(f"{where or 'goal'}: {error.get('msg')}") from exc


def _say(console: Console, line: str) -> None:
    console.print(line, markup=False, highlight=False, soft_wrap=True)


def print_assembly(console: Console, planned: Assembly) -> None:
    """Print the steps and why, the cost per entity, the fields produced and what cannot be done."""
    from cli.blueprints import step_line

    _say(console, f"blueprint for each {planned.entity_type} with {', '.join(planned.entity_inputs)}:")
    for step in planned.steps:
        _say(console, f"  {step_line({**step.as_step(), 'is_enabled': True, 'step_id': None})}")
        _say(console, f"      why: {step.why}")
    cost = planned.cost_per_entity
    if cost is not None:
        _say(
            console,
            f"estimated cost per entity (low / expected / high): "
            f"${cost.low:,.4f} / ${cost.expected:,.4f} / ${cost.high:,.4f}",
        )
    for produced in planned.produces:
        _say(console, f"produces for {produced['for']}: {', '.join(produced['fields'])}")
    for name, where in planned.outputs.items():
        made = "already an input" if where["step"] is None else f"step {where['step']}"
        _say(console, f"  {name} ({where['entity_type']}): {made}")
    if planned.unsatisfied:
        _say(console, "cannot do:")
        for line in planned.unsatisfied:
            _say(console, f"  - {line}")
    if planned.assumptions:
        _say(console, f"the estimate assumes ({len(planned.assumptions)}):")
        for line in planned.assumptions:
            _say(console, f"  - {line}")


async def _read(body: AssembleRequest, settings: Settings) -> tuple[Goal, Reading | None]:
    """Read the goal through this process's own gateways (a plain-language goal asks a model)."""
    pool = GatewayPool(settings.providers, cluster=settings.cluster)
    try:
        return await assemble_service.structured_goal(body, settings.providers, pool)
    finally:
        await pool.close()


@one_line_errors
def assemble_command(
    ctx: typer.Context,
    goal: Annotated[
        str,
        typer.Argument(
            help='The goal: plain language, or structured JSON such as \'{"outputs": ["work_email"]}\'.'
        ),
    ],
    inputs: Annotated[
        str,
        typer.Option(
            "--inputs", help="The fields each entity brings, comma-separated: company_domain,company_name."
        ),
    ],
    entity_type: Annotated[str, typer.Option("--entity-type", help="company or person.")] = "company",
    save: Annotated[str | None, typer.Option("--save", help="Store the blueprint under this name.")] = None,
    org: Annotated[str | None, typer.Option("--org", help="Org id (default: the local tenant).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the API's answer as JSON.")] = False,
) -> None:
    """Assemble a blueprint for a goal: its steps and why, its cost per entity, what it cannot do."""
    from cli import blueprints as blueprint_cli

    settings = blueprint_cli.settings_for(ctx)
    body = _request(goal, inputs, entity_type, save)
    with open_database(settings, migrate=False) as db:
        try:
            structured, reading = asyncio.run(_read(body, settings))
            with db.engine.connect() as conn:
                org_id = blueprint_cli.org_for(conn, org)
                planned = assemble_service.plan(
                    conn=conn, goal=structured, body=body, org_id=org_id, providers=settings.providers
                )
            create = assemble_service.blueprint_create(body, structured, planned)
            answer = assemble_service.answer_of(structured, reading, create, planned)
            if save is not None:
                with db.engine.begin() as conn:
                    if org_id is None:
                        local = orgs.find_org_by_slug(conn=conn, slug=blueprint_cli.LOCAL_ORG_SLUG)
                        local = local or orgs.create_org(
                            conn=conn, name=blueprint_cli.LOCAL_ORG_NAME, slug=blueprint_cli.LOCAL_ORG_SLUG
                        )
                        org_id = uuid.UUID(str(local["id"]))
                    answer["saved"] = blueprint_service.create_blueprint(
                        conn=conn, body=create, org_id=org_id, created_by_user_id=None
                    )
        except ApiError as exc:
            raise CliError(blueprint_cli.api_error_line(exc)) from exc
    if as_json:
        typer.echo(json.dumps(answer, default=str, indent=2))
        return
    console = Console(highlight=False, soft_wrap=True)
    if reading is not None:
        repaired = f" after {reading.repairs} repair(s)" if reading.repairs else ""
        _say(console, f"{reading.model} read the goal{repaired} as: {json.dumps(answer['goal'])}")
    print_assembly(console, planned)
    if answer["saved"] is not None:
        _say(
            console,
            f"saved as blueprint '{create.name}' ({answer['saved']['id']}); "
            f"run it with: dex enrich FILE --blueprint '{create.name}'",
        )
