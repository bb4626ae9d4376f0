"""`dex enrich`: a CSV or Parquet file of companies or people through a blueprint, into a results file.

Two streaming passes over the input: the first maps the columns and checks every row (nothing is
written unless every row is good, or --skip-invalid); the second writes the submission and its root
runs with COPY, batch by batch, in one transaction. The cluster then runs it while a progress bar
follows PostgreSQL, and the results are written page by page. Ctrl-C leaves the submission resumable.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from sqlalchemy import Connection, Engine

from api.errors import ApiError
from api.services import tenancy
from api.services.batch_submit import Prepared, add_runs, open_submission, prepare
from api.services.ingest import (
    DEFAULT_BATCH_ROWS,
    ColumnMapping,
    IngestError,
    InputFile,
    RecordBatch,
    RowProblem,
    map_columns,
    open_input,
    parse_map_options,
    read_records,
    to_entities,
)
from cli.blueprints import (
    LOCAL_COMPANY_NAME,
    LOCAL_ORG_NAME,
    LOCAL_ORG_SLUG,
    api_error_line,
    parse_id,
    resolve_blueprint,
    settings_for,
)
from cli.context import INTERRUPTED, CliError, one_line_errors, open_database
from cli.enrich_output import InputJoin, OutputError, Written, check_writable, children_path, write_outputs
from cli.entry import interrupted
from cli.progress import Snapshot, print_summary, watch
from config import Settings
from config.vocabulary import SubmissionStatus
from operations.registry import all_operations
from store.errors import NotFoundError
from store.repositories import companies, orgs
from store.repositories import submissions as submission_rows

SHOWN_PROBLEMS = 20
MAX_RELAUNCHES = 3

app = typer.Typer(help="Enrich a CSV, Excel or Parquet file through a blueprint.")


@dataclass
class EnrichRequest:
    """What `dex enrich` was asked to do."""

    out: Path | None  # the results file (none for a dry run)
    input: Path | None = None
    blueprint: str | None = None
    maps: list[str] = field(default_factory=list)
    skip_invalid: bool = False
    org: str | None = None
    company: str | None = None
    resume: str | None = None
    chunk_rows: int = DEFAULT_BATCH_ROWS
    dry_run: bool = False
    budget: float | None = None  # spending cap in USD (new submission), or the raised cap (--resume)
    encoding: str | None = None  # the input's text encoding, when not to be detected
    sheet: str | None = None  # the .xlsx input's sheet (default: the first)


@dataclass
class Scan:
    """Pass 1 over the input: how many rows, how many good, and the first problems."""

    rows: int = 0
    valid: int = 0
    bad_rows: int = 0
    problems: list[RowProblem] = field(default_factory=list)


@dataclass
class EnrichResult:
    """How a run ended."""

    submission_id: uuid.UUID
    status: str
    snapshot: Snapshot
    written: Written


def _say(console: Console, message: str) -> None:
    # Soft wrap: a long line (a path, the resume command) stays one line that can be copied.
    console.print(message, markup=False, highlight=False, soft_wrap=True)


@contextmanager
def _cli_errors() -> Iterator[None]:
    """Turn the services' own errors into one-line CLI errors."""
    try:
        yield
    except (IngestError, OutputError) as exc:
        raise CliError(str(exc)) from exc
    except ApiError as exc:
        raise CliError(api_error_line(exc)) from exc


def resolve_tenant(
    conn: Connection, org: str | None, company: str | None
) -> tuple[uuid.UUID, uuid.UUID, str]:
    """Return (org id, company id, a note): the ids given, else the local operator tenant (created once)."""
    if company is not None:
        company_id = parse_id(company, "--company")
        row = companies.get_company(
            conn=conn, company_id=company_id, org_id=None if org is None else parse_id(org, "--org")
        )
        return (
            row["org_id"],
            company_id,
            f"tenant: company '{row['name']}' ({company_id}) of org {row['org_id']}",
        )
    if org is not None:
        raise CliError("--org needs --company too: a submission belongs to one company of the org")
    found_org = orgs.find_org_by_slug(conn=conn, slug=LOCAL_ORG_SLUG)
    local = found_org or orgs.create_org(conn=conn, name=LOCAL_ORG_NAME, slug=LOCAL_ORG_SLUG)
    found_company = companies.find_company_by_name(conn=conn, org_id=local["id"], name=LOCAL_COMPANY_NAME)
    row = found_company or tenancy.create_company(
        conn=conn, org_id=local["id"], name=LOCAL_COMPANY_NAME, domain=None, external_ref=None
    )
    created = found_org is None or found_company is None
    note = (
        f"tenant: local operator org '{LOCAL_ORG_SLUG}' ({local['id']}), company '{LOCAL_COMPANY_NAME}' "
        f"({row['id']}){' (created now)' if created else ''}; pass --org/--company for another"
    )
    return local["id"], row["id"], note


@dataclass
class CheckedBatch:
    """A batch of input records checked against the blueprint."""

    good: list[dict[str, Any]]  # the entities to submit
    records: list[int]  # the record number of each
    problems: list[RowProblem]  # why the others cannot be used, by record
    height: int  # records in the batch


def check_batch(batch: RecordBatch, mapping: ColumnMapping, prepared: Prepared) -> CheckedBatch:
    """Turn a batch into entities and keep those the blueprint can use."""
    rows = to_entities(batch, mapping)
    checked = CheckedBatch([], [], list(rows.problems), batch.frame.height)
    for entity, line, record in zip(rows.entities, rows.lines, rows.records, strict=True):
        reasons = prepared.problems_for(entity)
        checked.problems += [RowProblem(line, record, None, reason) for reason in reasons]
        if not reasons:
            checked.good.append(entity)
            checked.records.append(record)
    checked.problems.sort(key=lambda p: p.record)
    return checked


def _checked_batches(
    source: InputFile, mapping: ColumnMapping, prepared: Prepared, chunk_rows: int
) -> Iterator[CheckedBatch]:
    for batch in read_records(source, chunk_rows):
        yield check_batch(batch, mapping, prepared)


def scan(source: InputFile, mapping: ColumnMapping, prepared: Prepared, chunk_rows: int) -> Scan:
    """Pass 1: check every row; keep the counts and the first problems only."""
    found = Scan()
    for checked in _checked_batches(source, mapping, prepared, chunk_rows):
        found.rows += checked.height
        found.valid += len(checked.good)
        found.bad_rows += len({p.record for p in checked.problems})
        found.problems += checked.problems[: max(0, SHOWN_PROBLEMS - len(found.problems))]
    return found


def submit_file(
    engine: Engine,
    source: InputFile,
    mapping: ColumnMapping,
    prepared: Prepared,
    found: Scan,
    *,
    chunk_rows: int,
    metadata: dict[str, Any],
    budget: float | None = None,
) -> uuid.UUID:
    """Pass 2: write the submission and one root run per good row (COPY per batch), in one transaction."""
    with engine.begin() as conn:
        submission_id = open_submission(
            conn,
            prepared,
            user_id=None,
            source="dex enrich",
            metadata=metadata,
            entity_count=found.valid,
            max_cost_usd=budget,
        )
        written = 0
        for checked in _checked_batches(source, mapping, prepared, chunk_rows):
            if checked.good:
                add_runs(
                    conn,
                    prepared,
                    submission_id,
                    checked.good,
                    first_index=written,
                    input_rows=checked.records,
                )
                written += len(checked.good)
        if written != found.valid:
            raise CliError(f"{source.path} changed while it was being submitted; nothing was submitted")
    return submission_id


def _report(console: Console, found: Scan) -> None:
    _say(console, f"{found.bad_rows:,} of {found.rows:,} rows cannot be used:")
    for problem in found.problems:
        _say(console, f"  {problem.describe()}")
    hidden = found.bad_rows - len({p.record for p in found.problems})
    if hidden > 0:
        _say(console, f"  … and {hidden:,} more rows")


@dataclass
class CheckedInput:
    """An input file checked against its blueprint (pass 1): ready to submit, or to estimate."""

    source: InputFile
    mapping: ColumnMapping
    prepared: Prepared
    found: Scan
    checked_s: float

    @property
    def path(self) -> Path:
        """The input file."""
        return self.source.path


def check_input(settings: Settings, engine: Engine, request: EnrichRequest, console: Console) -> CheckedInput:
    """Resolve the tenant and blueprint, map the columns and check every row; refuse a bad file."""
    if request.input is None or request.blueprint is None:
        raise CliError("give INPUT and --blueprint (or --resume ID to re-attach to a submission)")
    path = request.input
    if request.out is not None and path.resolve() == request.out.resolve():
        raise CliError("--out must not be the input file")
    with _cli_errors():
        source = open_input(path, encoding=request.encoding, sheet=request.sheet)
        with engine.begin() as conn:
            org_id, company_id, note = resolve_tenant(conn, request.org, request.company)
            _say(console, note)
            blueprint, note = resolve_blueprint(conn, request.blueprint, org_id=org_id)
            _say(console, note)
            prepared = prepare(conn, blueprint_id=blueprint["id"], org_id=org_id, company_id=company_id)
        mapping = map_columns(source.headers, parse_map_options(request.maps))
        _say(console, f"columns: {'; '.join(mapping.describe())}")
        if mapping.unmapped:
            _say(console, f"ignored columns: {', '.join(mapping.unmapped)}")
        missing = prepared.inputs_no_column_supplies(mapping.fields)
        if missing:
            raise CliError(
                f"{path.name}: no column supplies {', '.join(missing)}, which blueprint "
                f"'{blueprint['name']}' needs in every row (its entity_inputs); add the column, "
                f"or --map COLUMN={missing[0]}"
            )
        clock = time.monotonic()
        with console.status(f"checking {path.name}…"):
            found = scan(source, mapping, prepared, request.chunk_rows)
        checked_s = time.monotonic() - clock
        if found.bad_rows:
            _report(console, found)
            if not request.skip_invalid:
                raise CliError(f"refused: {found.bad_rows:,} bad rows (fix them, or pass --skip-invalid)")
            _say(console, f"skipping {found.bad_rows:,} bad rows (--skip-invalid)")
        if found.valid == 0:
            raise CliError(f"{path} has no row to enrich")
    return CheckedInput(source, mapping, prepared, found, checked_s)


def checked_entities(checked: CheckedInput, chunk_rows: int) -> Iterator[list[dict[str, Any]]]:
    """Yield the good entities of a checked input, batch by batch (pass 2)."""
    for batch in _checked_batches(checked.source, checked.mapping, checked.prepared, chunk_rows):
        yield batch.good


def _new_submission(
    settings: Settings, engine: Engine, request: EnrichRequest, console: Console
) -> tuple[uuid.UUID, CheckedInput]:
    checked = check_input(settings, engine, request, console)
    source, mapping, prepared, found = (
        checked.source,
        checked.mapping,
        checked.prepared,
        checked.found,
    )
    with _cli_errors():
        metadata = {
            "input": str(source.path.resolve()),
            "format": source.format,
            # What reads the input again as it was read here (the results join it by record).
            "encoding": source.encoding,
            "sheet": source.sheet,
            "fingerprint": fingerprint(source.path),
            "mapping": mapping.columns,
            "fields": list(dict.fromkeys(mapping.columns.values())),
            "rows": found.rows,
            "skipped_rows": found.bad_rows,
        }
        clock = time.monotonic()
        with console.status(f"submitting {found.valid:,} entities…"):
            submission_id = submit_file(
                engine,
                source,
                mapping,
                prepared,
                found,
                chunk_rows=request.chunk_rows,
                metadata=metadata,
                budget=request.budget,
            )
    _say(
        console,
        f"submission {submission_id}: {found.valid:,} entities of {found.rows:,} rows "
        f"(checked in {checked.checked_s:,.1f}s, written in {time.monotonic() - clock:,.1f}s)",
    )
    for warning in credit_warnings_for(settings, prepared.steps):
        _say(console, f"warning: {warning}")
    return submission_id, checked


def fingerprint(path: Path) -> dict[str, int]:
    """What tells that a file is still the one submitted: its size and modification time."""
    stat = path.stat()
    return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def input_join(
    engine: Engine, submission: dict[str, Any], checked: CheckedInput | None
) -> tuple[InputJoin | None, str | None]:
    """Return how to join the results to the submission's input file, or why they cannot be.

    A submission made here brings its checked input; one re-attached to (--resume) reopens the file
    its metadata names, if that file is still the one submitted.
    """
    meta = submission["metadata"] or {}
    if "input" not in meta or "fingerprint" not in meta:
        return None, None  # not made from a file by `dex enrich`
    path = Path(meta["input"])
    if not path.is_file() or fingerprint(path) != meta["fingerprint"]:
        return None, f"{path} has changed or gone since it was submitted"
    prepared: Prepared | None
    if checked is not None:
        source, mapping, prepared = checked.source, checked.mapping, checked.prepared
    else:
        try:
            source = open_input(path, encoding=meta.get("encoding"), sheet=meta.get("sheet"))
        except IngestError as exc:
            return None, str(exc)
        mapping = ColumnMapping(dict(meta["mapping"]))
        try:
            with engine.connect() as conn:
                prepared = prepare(
                    conn,
                    blueprint_id=submission["blueprint_id"],
                    org_id=submission["org_id"],
                    company_id=submission["company_id"],
                )
        except (ApiError, NotFoundError):  # the blueprint is gone: refused rows say only that they were
            prepared = None

    def refusals(batch: RecordBatch) -> dict[int, str]:
        if prepared is None:
            return {}
        reasons: dict[int, list[str]] = {}
        for problem in check_batch(batch, mapping, prepared).problems:
            where = f"{problem.column}: " if problem.column else ""
            reasons.setdefault(problem.record, []).append(where + problem.reason)
        return {record: "; ".join(said) for record, said in reasons.items()}

    return InputJoin(source, refusals), None


def raise_cap(engine: Engine, submission_id: uuid.UUID, max_cost_usd: float) -> int:
    """Set a submission's cap and queue again the runs the old one ended; return how many."""
    from api.services.batch_budget import raise_cap as raise_submission_cap

    return raise_submission_cap(engine, submission_id, max_cost_usd)


def credit_warnings_for(settings: Settings, steps: list[dict[str, Any]]) -> list[str]:
    """Return the submit's warnings about keyed providers without credits (bounded in time)."""
    from api.services.provider_credits import submit_warnings
    from cluster.credits import BalanceCache

    async def check() -> list[str]:
        cache = BalanceCache(settings.providers)
        try:
            return await submit_warnings(cache, steps)
        finally:
            await cache.close()

    return asyncio.run(check())


def _load_submission(engine: Engine, submission_id: uuid.UUID) -> dict[str, Any]:
    with engine.connect() as conn:
        row = submission_rows.find_submission(conn=conn, submission_id=submission_id)
    if row is None:
        raise NotFoundError(f"submission {submission_id} not found")
    return row


def _describe_providers(settings: Settings) -> str:
    providers = settings.providers
    if providers.provider_sandbox_url:
        return f"providers: sandbox at {providers.provider_sandbox_url}"
    keyed = providers.configured()
    return f"providers: real APIs with keys for {', '.join(keyed) or 'none (every provider will be skipped)'}"


class Cluster:
    """This process's view of Ray: connect, launch, and relaunch a coordinator that is gone."""

    def __init__(self, settings: Settings, console: Console) -> None:
        from cli.cluster import ray_line
        from cluster.runtime import connect

        self.settings = settings
        self.console = console
        info = connect(settings.cluster, state_dir=settings.dex_state_dir)
        # Only an in-process Ray (RAY_LOCAL_MODE=in_process) stops with this command; the persistent
        # local cluster and one at RAY_ADDRESS keep running the submission after it.
        self.owns_ray = bool(info["stops_with_process"])
        self.relaunches = 0
        _say(console, ray_line(info))

    def launch(self, submission_id: uuid.UUID) -> None:
        """Start (or find) the submission's coordinator."""
        from cluster.launch import launch

        launch(submission_id, self.settings)

    def keep_alive(self, submission_id: uuid.UUID) -> Callable[[], None]:
        """Return a check that relaunches the coordinator if it died or crashed before the end."""

        def check() -> None:
            import ray

            from cluster.coordinator import CoordinatorState, find_coordinator

            handle = find_coordinator(submission_id)
            if handle is not None:
                try:
                    progress: Any = ray.get(handle.progress.remote(), timeout=10)
                    state = progress["state"]
                except Exception:  # busy or dying: look again next time
                    return
                if state != CoordinatorState.CRASHED:
                    return
                ray.kill(handle, no_restart=True)
            if self.relaunches >= MAX_RELAUNCHES:
                raise CliError(f"the coordinator of {submission_id} keeps failing: see the Ray dashboard")
            self.relaunches += 1
            _say(self.console, f"the coordinator of {submission_id} was gone: relaunched it")
            self.launch(submission_id)

        return check


def _fan_out_fields(steps: list[dict[str, Any]]) -> set[str]:
    registry = all_operations()
    fields = set()
    for step in steps:
        spec = registry.get(step["operation_id"])
        if step.get("fan_out") and spec is not None and spec.fan_out is not None:
            fields.add(spec.fan_out.field)
    return fields


def _stop_gracefully(settings: Settings, console: Console) -> None:
    """Ray ends with this process: stop its batches first, so no answer already paid for is lost."""
    from cluster.stopping import resume_batches, stop_batches

    grace = settings.cluster.stop_grace_s
    _say(
        console,
        f"stopping: no new provider calls; calls already sent get up to {grace:g}s to answer "
        "(Ctrl-C again to quit at once)",
    )
    try:
        summary = stop_batches(grace)
    except KeyboardInterrupt:
        _say(console, "quit at once: answers still on their way are lost")
        raise typer.Exit(INTERRUPTED) from None
    # What was in flight is written; the gateways may take calls again (a resume in this process).
    resume_batches()
    _say(console, f"stopped in {summary.seconds:,.1f}s: {summary.runs_stopped:,} runs left to resume")


def run_enrich(
    settings: Settings,
    request: EnrichRequest,
    console: Console,
    *,
    on_poll: Callable[[Snapshot], None] | None = None,
) -> EnrichResult:
    """Submit the file (or re-attach with --resume), follow it to the end, and write the results."""
    if request.out is None:
        raise CliError("--out is required (only --dry-run goes without it)")
    with _cli_errors():
        check_writable(request.out)
    started = time.monotonic()
    checked: CheckedInput | None = None
    with open_database(settings, migrate=True) as db:
        try:
            if request.resume is not None:
                submission_id = parse_id(request.resume, "--resume")
                _load_submission(db.engine, submission_id)
                _say(console, f"re-attaching to submission {submission_id}")
                if request.budget is not None:
                    requeued = raise_cap(db.engine, submission_id, request.budget)
                    _say(
                        console,
                        f"cap raised to ${request.budget:,.2f}; {requeued:,} runs it had ended run again",
                    )
            else:
                submission_id, checked = _new_submission(settings, db.engine, request, console)
        except KeyboardInterrupt:
            _say(console, "interrupted before anything was submitted")
            raise typer.Exit(INTERRUPTED) from None
        submission = _load_submission(db.engine, submission_id)
        steps = (submission["blueprint_snapshot"] or {}).get("steps", [])
        cluster: Cluster | None = None
        try:
            keep_alive = None
            if submission["status"] not in SubmissionStatus.final():
                _say(console, _describe_providers(settings))
                try:
                    cluster = Cluster(settings, console)
                    cluster.launch(submission_id)
                except Exception as exc:  # Ray could not start or be reached: the submission is safe
                    if interrupted():  # Ray's start cut short by Ctrl-C, failing in its own way
                        raise KeyboardInterrupt from exc
                    reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                    raise CliError(
                        f"cannot start the submission on Ray ({reason}); it is saved: "
                        f"dex enrich --resume {submission_id} --out {request.out}"
                    ) from exc
                keep_alive = cluster.keep_alive(submission_id)
            snap = watch(db.engine, submission_id, console, on_poll=on_poll, keep_alive=keep_alive)
            with db.engine.connect() as conn:
                print_summary(console, conn, submission_id, steps)
            fan_out = _fan_out_fields(steps)
            clock = time.monotonic()
            with _cli_errors():
                join, unjoined = input_join(db.engine, submission, checked)
            with console.status("writing results…"):
                written = write_outputs(
                    db.engine,
                    submission_id,
                    request.out,
                    input_fields=(submission["metadata"] or {}).get("fields", []),
                    fan_out_fields=fan_out,
                    children_file=bool(fan_out),
                    join=join,
                )
        except KeyboardInterrupt:
            resume = f"dex enrich --resume {submission_id} --out {request.out}"
            if cluster is not None and cluster.owns_ray:
                _stop_gracefully(settings, console)
                _say(
                    console,
                    f"submission {submission_id} is saved; the local Ray stops with this command, "
                    f"so it pauses here. Resume with: {resume}",
                )
            elif cluster is None:  # stopped before Ray was reached: nothing was started
                _say(console, f"submission {submission_id} is saved; run it with: {resume}")
            else:
                _say(console, f"submission {submission_id} keeps running; resume with: {resume}")
            raise typer.Exit(INTERRUPTED) from None
    _say(
        console,
        f"submission {submission_id} {snap.status} in {time.monotonic() - started:,.1f}s: "
        f"{snap.roots:,} entities, {snap.children:,} fan-out children, {snap.failed:,} failed runs, "
        f"cost ${snap.cost_usd:,.2f}"
        + (f" of a ${snap.max_cost_usd:,.2f} cap" if snap.max_cost_usd is not None else ""),
    )
    if snap.budget_exhausted:
        _say(
            console,
            f"{snap.budget_exhausted:,} runs stopped at the cap (budget_exhausted); a higher cap runs them: "
            f"dex enrich --resume {submission_id} --budget USD --out {request.out}",
        )
    unjoined = unjoined or written.unjoined
    if unjoined:
        _say(
            console,
            f"warning: results are the runs alone, keyed by input_row, not the input enriched: {unjoined}",
        )
    shape = (
        f"every input row, {written.invalid:,} of them invalid"
        if written.joined
        else f"{written.rows:,} runs"
    )
    took = time.monotonic() - clock
    _say(console, f"results: {written.path} ({written.rows:,} rows: {shape}; written in {took:,.1f}s)")
    if written.children_path is not None:
        _say(console, f"children: {written.children_path} ({written.children:,} rows, keyed by input_row)")
    return EnrichResult(submission_id, snap.status, snap, written)


@app.command("enrich")
@one_line_errors
def enrich(
    ctx: typer.Context,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Results file: .csv or .parquet.", dir_okay=False)
    ] = None,
    input: Annotated[
        Path | None,
        typer.Argument(
            help="A .csv/.tsv/.txt, .xlsx or .parquet file of companies or people.",
            dir_okay=False,
            metavar="INPUT",
        ),
    ] = None,
    blueprint: Annotated[
        str | None,
        typer.Option("--blueprint", "-b", help="A stored blueprint's name, or a .json/.yaml file."),
    ] = None,
    map_options: Annotated[
        list[str] | None,
        typer.Option("--map", help="column=field, e.g. --map Website=company_domain (repeatable)."),
    ] = None,
    skip_invalid: Annotated[
        bool, typer.Option("--skip-invalid", help="Enrich the good rows and skip the bad ones.")
    ] = False,
    org: Annotated[str | None, typer.Option("--org", help="Org id (default: the local tenant).")] = None,
    company: Annotated[str | None, typer.Option("--company", help="Company id the batch belongs to.")] = None,
    resume: Annotated[
        str | None,
        typer.Option("--resume", help="Re-attach to a submission (after Ctrl-C) and write OUTPUT."),
    ] = None,
    encoding: Annotated[
        str | None,
        typer.Option(
            "--encoding",
            help="The input's text encoding, e.g. cp1252 or utf-16 (default: detected: a byte-order "
            "mark, else UTF-8, else Windows-1252).",
        ),
    ] = None,
    sheet: Annotated[
        str | None, typer.Option("--sheet", help="The .xlsx input's sheet (default: the first).")
    ] = None,
    chunk_rows: Annotated[
        int, typer.Option("--chunk-rows", min=100, help="Rows read and written per batch.")
    ] = DEFAULT_BATCH_ROWS,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run",
            help="Check the file, print its estimated provider calls and cost; submit nothing, call no one.",
        ),
    ] = False,
    budget: Annotated[
        float | None,
        typer.Option(
            "--budget",
            min=0.0001,
            help="Spending cap in USD: no provider call starts that could cross it; the rest end "
            "budget_exhausted. With --resume: a higher cap, and the runs it ended run again.",
        ),
    ] = None,
) -> None:
    """Enrich INPUT (CSV, .xlsx or Parquet) through a blueprint into OUTPUT, and OUTPUT.children for fan-outs.

    Columns map to inputs by common header names (Domain, Website, Company Name, Email, …) or --map.

    Every row is checked first: bad rows are reported, and the run refused unless --skip-invalid.

    Ctrl-C leaves the submission resumable: dex enrich --resume ID --out OUTPUT.

    --dry-run prints what the file would call and cost (low / expected / high, from the org's history).
    """
    request = EnrichRequest(
        out=out,
        input=input,
        blueprint=blueprint,
        maps=list(map_options or []),
        skip_invalid=skip_invalid,
        org=org,
        company=company,
        resume=resume,
        chunk_rows=chunk_rows,
        dry_run=dry_run,
        budget=budget,
        encoding=encoding,
        sheet=sheet,
    )
    console = Console(highlight=False, soft_wrap=True)
    if dry_run:
        from cli.estimate import run_dry_run

        run_dry_run(settings_for(ctx), request, console)
        return
    run_enrich(settings_for(ctx), request, console)


__all__ = ["EnrichRequest", "EnrichResult", "children_path", "enrich", "run_enrich"]

if __name__ == "__main__":
    app()
