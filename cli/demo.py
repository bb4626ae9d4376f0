"""`dex demo`: the main job on embedded defaults — the sample companies through the outbound blueprint.

Embedded PostgreSQL, a local Ray with its dashboard, the provider sandbox on loopback, a demo
tenant, and `dex enrich` of the first 400 of the 2,000 sample companies (`--rows`): profile, the
people at each (fanned out), their work email, verified where one was found. On two shared cores the
engine's CPU bounds the batch; 400 companies (about 1,550 runs) fit in a minute, cluster start
included. Parallel (research tasks, the last resort of the email waterfall) is left without a key,
and the providers' plan limits are lifted (the sandbox has none).
Icypeas takes the emails LeadMagic does not know: 100 open searches at a time, read together once a
second (its read limit lifted too, so a search the list no longer shows is read on its own at once).
"""

from __future__ import annotations

import csv
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from itertools import islice
from pathlib import Path
from typing import Any

from rich.console import Console
from sqlalchemy import Connection

from api.services import auth as auth_service
from api.services import tenancy
from cli.context import open_database
from cli.enrich import EnrichRequest, run_enrich
from config import ProviderSettings, Settings
from providers.sandbox.server import SandboxServer
from store.repositories import companies, orgs, users

DEMO_SLUG = "demo"
DEMO_COMPANY = "Demo Company"
DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "demo-password"
PACKAGE_ROOT = Path(__file__).resolve().parent.parent
SAMPLE = PACKAGE_ROOT / "cli" / "data" / "sample_companies.csv"
BLUEPRINT = PACKAGE_ROOT / "blueprints" / "examples" / "outbound.yaml"
DEMO_ROWS = 400
DEMO_PROVIDERS = ("prospeo", "blitzapi", "companyenrich", "leadmagic", "icypeas", "millionverifier", "reoon")


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


def demo_settings(settings: Settings, sandbox: SandboxServer) -> Settings:
    """Point the providers at the sandbox: keyed and unlimited, but Parallel off."""
    # Unlimited rate, but no more open requests per provider than one sandbox process serves well.
    limits = {name: {"rate_per_second": 100_000, "concurrency": 64} for name in DEMO_PROVIDERS}
    # Icypeas' concurrency is open searches, answered by one list read every 3 s, not requests; with
    # reads unlimited, the searches a list read misses cost nothing to read one by one.
    limits["icypeas"]["concurrency"] = 100
    providers = ProviderSettings.for_sandbox(
        sandbox.url, sandbox.api_key, parallel_api_key=None, provider_limits=limits
    )
    return settings.model_copy(update={"providers": providers})


def demo_input(out_dir: Path, rows: int) -> Path:
    """Write the sample's first `rows` companies (all its columns) as the demo's input file."""
    path = out_dir / "companies.csv"
    with (
        SAMPLE.open(newline="", encoding="utf-8") as sample,
        path.open("w", newline="", encoding="utf-8") as out,
    ):
        writer = csv.writer(out)
        writer.writerows(islice(csv.reader(sample), rows + 1))  # the header, then the rows
    return path


def _start_local_cluster(settings: Settings) -> None:
    """Start the persistent local Ray cluster unless Ray is elsewhere (RAY_ADDRESS) or in-process."""
    from cluster.runtime import ensure_local_cluster
    from config.settings import RayLocalMode

    if settings.cluster.ray_address is None and settings.cluster.ray_local_mode is RayLocalMode.PERSISTENT:
        ensure_local_cluster(settings.cluster, settings.dex_state_dir)


def run_demo(settings: Settings, console: Console, out_dir: Path, rows: int = DEMO_ROWS) -> Path:
    """Run the demo end to end on the sample's first `rows` companies; return the results file."""
    out_dir.mkdir(parents=True, exist_ok=True)
    source = demo_input(out_dir, rows)
    # The local Ray cluster starts (10-20 s) while PostgreSQL, the tenant and the sandbox do.
    pool = ThreadPoolExecutor(1, thread_name_prefix="dex-demo-ray")
    ray_started = pool.submit(_start_local_cluster, settings)
    pool.shutdown(wait=False)
    with open_database(settings, migrate=True) as db, db.engine.begin() as conn:
        tenant = ensure_demo_tenant(conn=conn)
    console.print(f"demo tenant: org {tenant['org']['id']}, company {tenant['company']['id']}")
    console.print(f"  API login {DEMO_EMAIL} / {DEMO_PASSWORD}; API token {tenant['api_token']}")
    console.print("starting the provider sandbox (every provider's API, offline) …")
    with SandboxServer(companies=20_000) as sandbox:
        console.print(f"  sandbox at {sandbox.url} (stats: {sandbox.url}/_sandbox/stats)")
        with suppress(Exception):  # a cluster that failed to start here is started, or reported, by enrich
            ray_started.result()
        out = out_dir / "results.csv"
        request = EnrichRequest(
            out=out,
            input=source,
            blueprint=str(BLUEPRINT),
            org=str(tenant["org"]["id"]),
            company=str(tenant["company"]["id"]),
        )
        run_enrich(demo_settings(settings, sandbox), request, console)
    console.print(f"\nresults: {out}  (people found: {out.with_name('results.children.csv')})")
    console.print("next: `dex serve` for the API (docs at /docs), or `dex enrich YOUR_FILE --blueprint …`")
    return out
