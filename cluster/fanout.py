"""Fan-out, pure: which items of a step's output become child runs, and what each child starts with."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from operations.inputs import normalize_domain, normalize_email, normalize_linkedin_url
from operations.spec import FanOut

CHILD_NAMESPACE = uuid.UUID("0c2c1d0e-6f4e-5d55-9d0c-6e6b2f1f7a11")
# Keys a child of the same entity type must not inherit: they describe the parent entity itself.
_COMPANY_KEYS = (
    "company_domain", "company_name", "company_website", "company_linkedin_url", "company_linkedin_id",
    "canonical_domain", "canonical_name", "domain", "company_profile", "source_company_id",
    "source_providers",
    "industry_primary", "industry_derived", "employee_count", "employee_range", "founded_year", "hq_locality",
    "hq_country_code", "description_raw", "specialties", "annual_revenue_range", "follower_count", "logo_url",
    "company_type", "entity_id",
)  # fmt: skip
_PERSON_KEYS = (
    "full_name", "first_name", "last_name", "linkedin_url", "email", "work_email", "title", "current_title",
    "headline", "seniority", "department", "mobile_phone", "phone_e164", "verification", "email_status",
    "source_person_id", "entity_id",
)  # fmt: skip
# Large lists a child never needs from its parent (the parent's own fan-out material).
_LIST_KEYS = ("results", "competitors", "similar_companies", "customers", "champions", "alumni", "ads")


@dataclass(frozen=True, slots=True)
class Child:
    """A child run to create."""

    run_id: uuid.UUID
    entity_type: str
    entity_index: int
    context: dict[str, Any]


def dedupe_tokens(entity_type: str, item: Mapping[str, Any]) -> list[str]:
    """Return an item's identity tokens (§5.4): domain/linkedin for companies, linkedin/email for persons."""
    if entity_type == "company":
        pairs = [
            ("company:domain", normalize_domain(item.get("company_domain") or item.get("domain"))),
            ("company:linkedin", normalize_linkedin_url(item.get("company_linkedin_url"), "company")),
        ]
    else:
        pairs = [
            ("person:linkedin", normalize_linkedin_url(item.get("linkedin_url"), "in")),
            ("person:email", normalize_email(item.get("work_email") or item.get("email"))),
        ]
    return [f"{kind}:{value}" for kind, value in pairs if value]


def children(
    parent_run_id: uuid.UUID,
    parent_entity_type: str,
    parent_context: Mapping[str, Any],
    position: int,
    fan_out: FanOut,
    items: Sequence[Any],
) -> tuple[list[Child], list[str]]:
    """Return the children of a fan-out and the tokens of the items skipped as duplicates."""
    seen: set[str] = set()
    created: list[Child] = []
    skipped: list[str] = []
    inherited = _inheritance(parent_context, parent_entity_type, fan_out)
    for index, item in enumerate(items):
        if not isinstance(item, Mapping):
            continue
        child_input = fan_out.child_input(item)
        tokens = dedupe_tokens(fan_out.entity_type, child_input)
        repeated = [t for t in tokens if t in seen]
        if repeated:
            skipped.append(repeated[0])
            continue
        seen.update(tokens)
        run_id = uuid.uuid5(CHILD_NAMESPACE, f"{parent_run_id}:{position}:{index}")
        created.append(Child(run_id, fan_out.entity_type, index, {**inherited, **child_input}))
    return created, skipped


def _inheritance(context: Mapping[str, Any], parent_type: str, fan_out: FanOut) -> dict[str, Any]:
    dropped = set(_LIST_KEYS) | {fan_out.field}
    if fan_out.entity_type == parent_type:
        dropped |= set(_COMPANY_KEYS if parent_type == "company" else _PERSON_KEYS)
    inherited = {k: v for k, v in context.items() if k not in dropped}
    if fan_out.entity_type == parent_type == "company":
        # Keep where the child came from, under names that cannot be mistaken for its own identity.
        for key in ("company_domain", "company_name"):
            if context.get(key) is not None:
                inherited[f"parent_{key}"] = context[key]
    return inherited
