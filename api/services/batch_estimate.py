"""A dry run: what a batch would call and cost, from the org's history; it stores nothing, calls no one.

The batch is checked exactly as a submission is (`batch_submit.prepare`, `check_entities`), then the
org's history of the blueprint's operations, the entities already fresh for each `skip_if_fresh`
step and the providers that have a key go to the pure estimator (operations/estimate.py).
`dex enrich --dry-run` uses the same pieces, batch by batch over its file.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Engine

from api.schemas.batch_submit import BatchSubmit
from api.services.batch_submit import Prepared, check_entities, prepare
from blueprints.schema import StepConfig
from cluster.entities import identity_keys
from config import ProviderSettings
from operations.estimate import Estimate, History, estimate
from operations.registry import get_operation
from store.repositories import entities as entity_store
from store.repositories import estimate_history

FRESH_LOOKUP_BATCH = 5_000


def load_history(conn: Connection, prepared: Prepared) -> History:
    """Read what the org's past says about the blueprint's operations and steps."""
    operation_ids = sorted({str(s["operation_id"]) for s in prepared.steps})
    org_id = prepared.org_id
    positions = [int(s["position"]) for s in prepared.steps if _config(s).has_condition]
    conditions = (
        estimate_history.conditions(
            conn=conn, org_id=org_id, blueprint_id=prepared.blueprint["id"], positions=positions
        )
        if positions
        else []
    )
    return History.from_rows(
        runs=estimate_history.operation_runs(conn=conn, org_id=org_id, operation_ids=operation_ids),
        actions=estimate_history.operation_actions(conn=conn, org_id=org_id, operation_ids=operation_ids),
        fan_outs=estimate_history.fan_outs(conn=conn, org_id=org_id, operation_ids=operation_ids),
        conditions=conditions,
    )


def _config(step: Mapping[str, Any]) -> StepConfig:
    return StepConfig.model_validate(step.get("step_config") or {})


def _fresh_rules(steps: Sequence[Mapping[str, Any]]) -> list[tuple[int, float, list[str]]]:
    """Return (position, max_age_hours, identity_fields) of the steps the submitted entities themselves run.

    Steps after a fan-out run for its children, which do not exist before the batch runs.
    """
    rules = []
    for step in sorted(steps, key=lambda s: int(s["position"])):
        rule = _config(step).skip_if_fresh
        if rule is not None:
            rules.append((int(step["position"]), float(rule.max_age_hours), list(rule.identity_fields)))
        spec = get_operation(str(step["operation_id"]))
        if step.get("fan_out") and spec is not None and spec.fan_out is not None:
            break
    return rules


def fresh_counts(
    conn: Connection,
    org_id: uuid.UUID,
    steps: Sequence[Mapping[str, Any]],
    entities: Sequence[Mapping[str, Any]],
    entity_types: Sequence[str],
) -> dict[int, int]:
    """Count, per skip_if_fresh step, the entities the org's store holds enriched within max_age_hours.

    The same lookup the engine makes before the step (by the entity's identity as submitted).
    """
    counts: dict[int, int] = {}
    for position, hours, fields in _fresh_rules(steps):
        counts[position] = 0
        for entity_type in ("company", "person"):
            keys = [
                identity_keys(entity_type, {k: e.get(k) for k in fields} if fields else e)
                for e, t in zip(entities, entity_types, strict=True)
                if t == entity_type
            ]
            for start in range(0, len(keys), FRESH_LOOKUP_BATCH):
                found = entity_store.find_fresh_entities(
                    conn=conn,
                    org_id=org_id,
                    entity_type=entity_type,
                    keys=keys[start : start + FRESH_LOOKUP_BATCH],
                    max_age_hours=hours,
                )
                counts[position] += sum(row is not None for row in found)
    return counts


def keyed_providers(providers: ProviderSettings) -> set[str]:
    """Return the providers whose credentials are all set (the others are skipped, so cost nothing)."""
    return set(providers.configured())


def estimate_prepared(
    conn: Connection,
    prepared: Prepared,
    *,
    entities: int,
    fresh: Mapping[int, int],
    providers: ProviderSettings,
) -> Estimate:
    """Estimate a checked batch of `entities` entities, `fresh` of them already fresh per step."""
    return estimate(
        prepared.steps,
        load_history(conn, prepared),
        entities=entities,
        fresh=fresh,
        keyed=keyed_providers(providers),
        order_overrides=providers.operation_provider_order,
    )


def estimate_batch(
    engine: Engine,
    body: BatchSubmit,
    *,
    org_id: uuid.UUID,
    company_id: uuid.UUID,
    providers: ProviderSettings,
) -> dict[str, Any]:
    """Check a JSON batch as a submission would be checked, then answer its estimate (nothing written)."""
    inputs = [e.input for e in body.entities]
    with engine.connect() as conn:
        prepared = prepare(conn, blueprint_id=body.blueprint_id, org_id=org_id, company_id=company_id)
        check_entities(prepared, inputs)
        types = [prepared.entity_type(e.input, e.entity_type) for e in body.entities]
        fresh = fresh_counts(conn, org_id, prepared.steps, inputs, types)
        found = estimate_prepared(conn, prepared, entities=len(inputs), fresh=fresh, providers=providers)
    return {"blueprint_id": prepared.blueprint["id"], **found.as_dict()}
