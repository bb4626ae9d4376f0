"""The app factory: one FastAPI app per settings tree and engine."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from api.errors import BodySizeLimit, install_error_handlers
from api.openapi import document_errors
from api.routers import (
    assemble,
    auth,
    batch,
    batch_estimate,
    batch_resume,
    batch_submit,
    batch_upload,
    blueprints,
    companies,
    entities,
    execute,
    export,
    providers,
    steps,
    submissions,
    users,
    webhooks,
)
from api.routers.super_admin import router as super_admin_router
from api.services.webhook_delivery import WebhookDeliverer
from cluster.credits import BalanceCache
from cluster.launch import BackgroundLauncher
from config import Settings
from store.engine import answers, build_engine, resolve_database_url

log = logging.getLogger(__name__)

_HEALTH_BODY = {
    "application/json": {
        "schema": {"type": "object", "properties": {"status": {"enum": ["healthy", "unhealthy"]}}}
    }
}
# A probe's answer, not an API error: the 503 is {"status": "unhealthy"}, not the error envelope.
_HEALTH: dict[int | str, dict[str, Any]] = {
    200: {"description": "The database answers.", "content": _HEALTH_BODY},
    503: {"description": "The database does not answer.", "content": _HEALTH_BODY},
}


def _stop_batches(settings: Settings) -> None:
    """Stop this process's Ray batches gracefully: no answer already paid for is lost."""
    from cluster.stopping import stop_batches

    summary = stop_batches(settings.cluster.stop_grace_s)
    log.warning(
        "stopped %d batch(es) in %.1fs; %d runs resume at the next start",
        len(summary.submissions),
        summary.seconds,
        summary.runs_stopped,
    )


def create_app(settings: Settings, engine: Engine | None = None) -> FastAPI:
    """Build the app; without an engine, connect to DATABASE_URL or start the embedded server."""
    owns_engine = engine is None
    if engine is None:
        engine = build_engine(
            resolve_database_url(settings),
            pool_size=settings.database.database_pool_size,
            echo=settings.database.database_echo,
        )

    # Submissions are answered before their coordinators start: this thread starts them.
    launcher = BackgroundLauncher(settings)
    # Signed webhooks go out from every API process; the outbox's row locks share the work out.
    deliverer = WebhookDeliverer(settings, engine)

    @asynccontextmanager
    async def lifespan(application: FastAPI) -> AsyncIterator[None]:
        launcher.start()
        await deliverer.start()
        yield
        await deliverer.stop()
        launcher.stop()
        if getattr(application.state, "stop_batches_on_shutdown", False):
            await run_in_threadpool(_stop_batches, settings)
        # The API's callers hold HTTP connections, and in a cluster permits of the gateways' books.
        for name in ("gateways", "cluster_gateways"):
            caller = getattr(application.state, name, None)
            if caller is not None:
                await caller.close()
        await application.state.balances.close()
        if owns_engine:
            engine.dispose()

    app = FastAPI(
        title="data-engine-x",
        version="0.1.0",
        summary="Multi-tenant entity intelligence engine. Every endpoint is POST + JSON; "
        'successes answer {"data": …}, errors {"error", "code", "details"}.',
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.launcher = launcher
    app.state.webhook_deliverer = deliverer
    app.state.balances = BalanceCache(settings.providers)  # short-lived balances for submit warnings
    install_error_handlers(app)
    app.add_middleware(
        BodySizeLimit,
        max_bytes=settings.api.max_request_bytes,
        max_upload_bytes=settings.api.max_upload_bytes,
    )

    @app.get("/health", tags=["health"], responses=_HEALTH)
    def health() -> JSONResponse:
        """Answer healthy when the database answers."""
        if not answers(engine):
            return JSONResponse({"status": "unhealthy"}, status_code=503)
        return JSONResponse({"status": "healthy"})

    for module in (
        auth,
        assemble,
        blueprints,
        companies,
        steps,
        users,
        submissions,
        execute,
        # The upload route matches multipart bodies only, so it goes before the JSON route of its path.
        batch_upload,
        batch_submit,
        batch_estimate,
        batch_resume,
        batch,
        entities,
        export,
        providers,
        webhooks,
    ):
        app.include_router(module.router)
    app.include_router(super_admin_router)
    document_errors(app)
    return app
