"""Running single operations for the API: resolve, run through the gateways, record the history."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from sqlalchemy import Engine

from api.auth.context import AuthContext
from api.errors import ApiError
from config import ProviderSettings, Settings
from operations.history import history_rows
from operations.registry import all_operations, get_operation, provider_order
from operations.runtime import OpResult, ProviderCaller, run_operation
from operations.spec import OperationSpec
from store.repositories import companies
from store.repositories.operation_history import insert_operation_history


def resolve_operation(operation_id: str, entity_type: str | None) -> OperationSpec:
    """Return the operation, or a 422 naming the field that is wrong."""
    spec = get_operation(operation_id)
    if spec is None:
        detail = {"field": "operation_id", "message": f"unknown operation {operation_id!r}"}
        raise ApiError(422, f"Unknown operation: {operation_id}", details=[detail])
    if entity_type is not None and entity_type != spec.entity_type:
        message = f"{operation_id} runs on a {spec.entity_type}, not a {entity_type}"
        raise ApiError(422, message, details=[{"field": "entity_type", "message": message}])
    return spec


def check_company(engine: Engine, org_id: UUID, company_id: UUID) -> None:
    """Refuse a company outside the caller's org (404, as for any row of another tenant)."""
    with engine.connect() as conn:
        if not companies.company_in_org(conn=conn, company_id=company_id, org_id=org_id):
            raise ApiError(404, "company not found")


async def run(
    spec: OperationSpec,
    context: Mapping[str, Any],
    options: Mapping[str, Any],
    *,
    caller: ProviderCaller,
    settings: Settings,
) -> OpResult:
    """Run spec through the caller with the configured provider order."""
    order = provider_order(spec, settings.providers.operation_provider_order)
    return await run_operation(spec, context, caller=caller, params=options, provider_order=order)


def record(
    engine: Engine, result: OpResult, ctx: AuthContext, company_id: UUID | None, context: Mapping[str, Any]
) -> None:
    """Write the run and its attempts in one transaction."""
    run_row, attempt_rows = history_rows(
        result,
        org_id=ctx.org_id,
        company_id=company_id,
        input_payload=dict(context),
        user_id=ctx.user_id,
        role=ctx.role,
        auth_method=ctx.auth_method,
    )
    with engine.begin() as conn:
        insert_operation_history(conn=conn, runs=[run_row], attempts=attempt_rows)


def catalogue(entity_type: str | None, providers: ProviderSettings) -> list[dict[str, Any]]:
    """Describe every operation (optionally of one entity type) and which of its providers will be skipped."""
    return [
        {**s.describe(), "providers_without_credentials": _unconfigured(s.providers, providers)}
        for s in all_operations().values()
        if entity_type in (None, s.entity_type)
    ]


def _unconfigured(names: tuple[str, ...], providers: ProviderSettings) -> dict[str, list[str]]:
    # Their calls are skipped as missing_provider_api_key; say so before anything runs, with what to set.
    return {name: missing for name in names if (missing := providers.missing_credentials(name))}


def budgeted(
    engine: Engine, caller: ProviderCaller, org_id: UUID, settings: Settings, local_book: Any
) -> Any | None:
    """Return caller under the org's monthly cap (a BudgetedCaller to close after), or None without one."""
    from cluster.budget import BudgetedCaller, BudgetHolder, Caps, book_lease
    from store.repositories import engine_runs

    with engine.connect() as conn:
        monthly = engine_runs.org_monthly_budget(conn=conn, org_id=org_id)
    if monthly is None:
        return None
    caps = Caps.org_month(org_id, monthly)
    holder = BudgetHolder(caps, book_lease(settings, local_book), settings.cluster)
    return BudgetedCaller(caller, holder, settings.providers, owns_inner=False)
