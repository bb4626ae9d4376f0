"""`dex status ID`: a submission's derived status, counts, cost, elapsed time and per-step outcomes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.console import Console

from api.services.batch_status import derive_submission_status
from cli.blueprints import parse_id, settings_for
from cli.context import one_line_errors, open_database
from cli.progress import print_summary
from store.errors import NotFoundError
from store.repositories import batch_status, submissions

app = typer.Typer(help="Show a submission's status.")


def _elapsed(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m{secs:02d}s" if hours else f"{minutes}m{secs:02d}s"


@app.command("status")
@one_line_errors
def status(
    ctx: typer.Context,
    submission: Annotated[str, typer.Argument(help="Submission id (printed by `dex enrich`).")],
) -> None:
    """Show a submission's status (derived from its runs), counts, cost, elapsed time and per-step table."""
    submission_id = parse_id(submission, "ID")
    console = Console(highlight=False, soft_wrap=True)
    with open_database(settings_for(ctx), migrate=False) as db, db.engine.connect() as conn:
        row = submissions.find_submission(conn=conn, submission_id=submission_id)
        if row is None:
            raise NotFoundError(f"submission {submission_id} not found")
        counts, shape = batch_status.tally_runs(conn=conn, submission_id=submission_id)
        cost = batch_status.cost_so_far(conn=conn, submission_id=submission_id, org_id=row["org_id"])
        end = row["finished_at"] or datetime.now(UTC)
        snapshot = row["blueprint_snapshot"] or {}
        blueprint = snapshot.get("blueprint", {})
        metadata = row["metadata"] or {}
        total = sum(counts.values())
        console.print(f"submission {row['id']}  {derive_submission_status(counts)}", markup=False)
        console.print(
            f"blueprint   {blueprint.get('name', row['blueprint_id'])} (version {row['blueprint_version']})",
            markup=False,
        )
        console.print(f"tenant      org {row['org_id']}, company {row['company_id']}", markup=False)
        if metadata.get("input"):
            console.print(
                f"input       {metadata['input']} ({metadata.get('rows', '?'):,} rows)", markup=False
            )
        console.print(
            f"runs        {total:,} ({shape['roots']:,} entities, {total - shape['roots']:,} fan-out "
            f"children, depth {shape['depth_max']}): "
            + ", ".join(f"{n:,} {s}" for s, n in counts.items() if n),
            markup=False,
        )
        console.print(f"cost        ${cost:,.4f}", markup=False)
        console.print(
            f"elapsed     {_elapsed((end - row['created_at']).total_seconds())}"
            f"{'' if row['finished_at'] else ' (still going)'}",
            markup=False,
        )
        print_summary(console, conn, submission_id, snapshot.get("steps", []))
