"""`dex enrich FILE --blueprint … --dry-run`: what the file would call and cost, as a table; nothing is run.

The file is checked as `dex enrich` checks it, the entities already fresh are counted batch by
batch, and the estimate is the API's (api/services/batch_estimate.py). No submission is written, no
provider called, and Ray is not started.
"""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from api.services.batch_estimate import estimate_prepared, fresh_counts
from cli.context import CliError, open_database
from cli.enrich import EnrichRequest, check_input, checked_entities
from config import Settings
from operations.estimate import Estimate, Range


def _usd(value: Range) -> str:
    return f"${value.low:,.2f} / ${value.expected:,.2f} / ${value.high:,.2f}"


def _count(value: Range) -> str:
    return f"{value.low:,.0f} / {value.expected:,.0f} / {value.high:,.0f}"


def print_estimate(console: Console, found: Estimate) -> None:
    """Print the estimate: per step and provider, per provider, the totals and the assumptions."""
    table = Table(title="estimate (low / expected / high)", title_justify="left")
    for name in ("step", "operation", "entities", "provider", "hit rate", "calls", "cost"):
        table.add_column(
            name, justify="right" if name in ("entities", "hit rate", "calls", "cost") else "left"
        )
    for step in found.steps:
        entities = _count(step.executed) + (f" ({step.fresh:,} fresh)" if step.fresh else "")
        table.add_row(
            str(step.position), step.operation_id, entities, "", "", _count(step.calls), _usd(step.cost_usd)
        )
        for provider in step.providers:
            hit = "" if provider.hit_rate is None else f"{provider.hit_rate:.0%} ({provider.source})"
            if provider.source == "no key":
                hit = "no key"
            table.add_row("", "", "", provider.provider, hit, _count(provider.calls), _usd(provider.cost_usd))
        if step.children is not None and step.children_per_parent is not None:
            per = step.children_per_parent
            note = f"fan-out: {per.low:g} / {per.expected:.2f} / {per.high:g} children per parent"
            table.add_row("", note, _count(step.children), "", "", "", "")
    console.print(table)
    totals = Table(title="per provider", title_justify="left")
    for name in ("provider", "calls", "cost"):
        totals.add_column(name, justify="left" if name == "provider" else "right")
    for provider in found.providers:
        totals.add_row(provider.provider, _count(provider.calls), _usd(provider.cost_usd))
    console.print(totals)

    def say(line: str) -> None:
        console.print(line, markup=False, highlight=False, soft_wrap=True)

    say(
        f"total for {found.entities:,} entities: {_count(found.calls)} calls, {_usd(found.cost_usd)} "
        f"({_usd(found.cost_per_entity)} per entity)"
    )
    if found.fresh_entities:
        say(f"{found.fresh_entities:,} entities are already fresh (skip_if_fresh) and cost nothing there")
    if found.assumptions:
        say("assumptions:")
        for line in found.assumptions:
            say(f"  - {line}")


def run_dry_run(settings: Settings, request: EnrichRequest, console: Console) -> Estimate:
    """Check the file, estimate what it would call and cost, print it; write and call nothing."""
    if request.resume is not None:
        raise CliError("--dry-run estimates a new file; it cannot be combined with --resume")
    with open_database(settings, migrate=True) as db:
        checked = check_input(settings, db.engine, request, console)
        prepared = checked.prepared
        with db.engine.connect() as conn, console.status("estimating…"):
            fresh: dict[int, int] = {}
            for entities in checked_entities(checked, request.chunk_rows):
                types = [prepared.entity_type(e) for e in entities]
                for position, count in fresh_counts(
                    conn, prepared.org_id, prepared.steps, entities, types
                ).items():
                    fresh[position] = fresh.get(position, 0) + count
            found = estimate_prepared(
                conn, prepared, entities=checked.found.valid, fresh=fresh, providers=settings.providers
            )
    print_estimate(console, found)
    console.print("dry run: nothing was submitted and no provider was called", markup=False)
    return found
