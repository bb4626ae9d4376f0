"""Entity records from a run's cumulative context: the §6 column mapping, natural keys and UUIDv5 ids.

Pure and table-driven: each column names its context sources in priority order and one parser; the
first source whose value parses wins, so a garbage `canonical_domain` falls through to `company_domain`.
The repository (`store/repositories/entities.py`) resolves ids against stored rows and merges.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal
from uuid import NAMESPACE_URL, UUID, uuid5

import orjson

from operations.inputs import clean_text, normalize_domain, normalize_email, normalize_linkedin_url

EntityType = Literal["company", "person"]

# canonical_payload bounds. `results` is fan-out material: each item becomes its own child entity, so
# storing it on the parent would copy whole search pages into every company record. Any other list
# longer than MAX_PAYLOAD_LIST_ITEMS is paging material of the same kind, and any single value whose
# compact JSON exceeds MAX_PAYLOAD_VALUE_BYTES (raw provider bodies, long work histories) is dropped.
# So are nulls and blank strings (they would erase a stored value in the overlay), non-finite numbers,
# and values JSON cannot carry or jsonb refuses (NUL characters).
PAYLOAD_EXCLUDED_KEYS = frozenset({"results"})
MAX_PAYLOAD_LIST_ITEMS = 100
MAX_PAYLOAD_VALUE_BYTES = 20_000
MAX_DESCRIPTION = 10_000
MAX_PROVIDERS = 50

_PHONE_PUNCTUATION = re.compile(r"[\s().\-/]")


@dataclass(frozen=True, slots=True)
class Field:
    """One entity column: the context keys it reads (dotted paths allowed), first parsed value wins."""

    column: str
    sources: tuple[str, ...]
    parse: Callable[[Any], Any]


def _text(value: Any) -> str | None:
    return clean_text(value, max_length=500)


def _description(value: Any) -> str | None:
    # A long description is still worth keeping: truncate it instead of dropping it.
    text = (
        clean_text(value[: MAX_DESCRIPTION * 2], max_length=MAX_DESCRIPTION * 2)
        if isinstance(value, str)
        else None
    )
    return text[:MAX_DESCRIPTION].rstrip() if text else None


def _count(value: Any) -> int | None:
    """Return a non-negative head count from an int, a float or a numeric string ("1,200", "35.0")."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        value = value.strip().replace(",", "").replace("_", "")
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if not math.isfinite(number) or number < 0 or number >= 2**31:
        return None
    return int(number)


def _confidence(value: Any) -> float | None:
    """Return a confidence in [0, 1]; anything else (including percentages) is not a confidence."""
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if 0.0 <= number <= 1.0 else None


def phone_e164(value: Any) -> str | None:
    """Return value as E.164 (`+` and 8-15 digits; a 10-digit US number gets +1), else None."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    text = _PHONE_PUNCTUATION.sub("", str(value).strip())
    if text.startswith("00"):
        text = "+" + text[2:]
    if text.startswith("+"):
        digits = text[1:]
        ok = digits.isdigit() and digits.isascii() and 8 <= len(digits) <= 15 and digits[0] != "0"
        return "+" + digits if ok else None
    if not (text.isdigit() and text.isascii()):
        return None
    if len(text) == 11 and text[0] == "1":
        text = text[1:]
    # NANP: area code and exchange both start with 2-9; anything else is not a US number.
    if len(text) == 10 and text[0] in "23456789" and text[3] in "23456789":
        return "+1" + text
    return None


def _company_linkedin(value: Any) -> str | None:
    return normalize_linkedin_url(value, "company")


def _person_linkedin(value: Any) -> str | None:
    # Only a profile URL: a person's context also carries its company's LinkedIn page.
    return normalize_linkedin_url(value, "in")


COMPANY_FIELDS: tuple[Field, ...] = (
    Field(
        "canonical_domain",
        ("canonical_domain", "company_domain", "domain", "company_website"),
        normalize_domain,
    ),
    Field("canonical_name", ("canonical_name", "company_name", "name"), _text),
    Field("linkedin_url", ("linkedin_url", "company_linkedin_url"), _company_linkedin),
    Field("industry", ("industry", "industry_primary"), _text),
    Field("employee_count", ("employee_count",), _count),
    Field("employee_range", ("employee_range",), _text),
    Field("revenue_band", ("revenue_band", "annual_revenue_range"), _text),
    Field("hq_country", ("hq_country", "hq_country_code"), _text),
    Field("description", ("description", "description_raw"), _description),
    Field("enrichment_confidence", ("enrichment_confidence", "confidence"), _confidence),
)

PERSON_FIELDS: tuple[Field, ...] = (
    Field("full_name", ("full_name",), _text),
    Field("first_name", ("first_name",), _text),
    Field("last_name", ("last_name",), _text),
    Field("linkedin_url", ("linkedin_url",), _person_linkedin),
    Field("title", ("title", "current_title", "headline"), _text),
    Field("seniority", ("seniority",), _text),
    Field("department", ("department",), _text),
    # The person's own employer first: a fan-out child also inherits its parent company's domain.
    Field(
        "company_domain", ("current_company_domain", "company_domain", "canonical_domain"), normalize_domain
    ),
    Field("work_email", ("work_email", "email"), normalize_email),
    Field("email_status", ("email_status", "verification.status"), _text),
    Field("phone_e164", ("phone_e164", "mobile_phone"), phone_e164),
    Field("contact_confidence", ("contact_confidence", "confidence"), _confidence),
)

FIELDS: dict[str, tuple[Field, ...]] = {"company": COMPANY_FIELDS, "person": PERSON_FIELDS}
RECORD_EXTRAS = ("source_providers", "canonical_payload")


def _lookup(context: Mapping[str, Any], path: str) -> Any:
    value: Any = context
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def _columns(fields: Sequence[Field], context: Mapping[str, Any]) -> dict[str, Any]:
    record: dict[str, Any] = {}
    for field in fields:
        record[field.column] = None
        for source in field.sources:
            parsed = field.parse(_lookup(context, source))
            if parsed is not None:
                record[field.column] = parsed
                break
    return record


def source_providers(context: Mapping[str, Any]) -> list[str]:
    """Return the context's providers (`source_providers` list, then `source_provider`), deduplicated."""
    listed = context.get("source_providers")
    candidates = [*(listed if isinstance(listed, list) else []), context.get("source_provider")]
    names = (clean_text(c, max_length=100) for c in candidates)
    return list(dict.fromkeys(n.lower() for n in names if n))[:MAX_PROVIDERS]


def canonical_payload(context: Mapping[str, Any]) -> dict[str, Any]:
    """Return the context's storable top-level keys: non-null, non-blank, JSON-safe and bounded."""
    payload: dict[str, Any] = {}
    for key, value in context.items():
        if not isinstance(key, str) or key in PAYLOAD_EXCLUDED_KEYS or value is None:
            continue
        if isinstance(value, str) and not value.strip():
            continue
        if isinstance(value, float) and not math.isfinite(value):
            continue
        if isinstance(value, list) and len(value) > MAX_PAYLOAD_LIST_ITEMS:
            continue
        if not isinstance(value, str | int | float | bool | list | dict):
            continue
        try:
            encoded = orjson.dumps(value)
        except (TypeError, orjson.JSONEncodeError):
            continue
        # jsonb refuses NUL; a value this large is a raw body, not intelligence.
        if len(encoded) > MAX_PAYLOAD_VALUE_BYTES or b"\\u0000" in encoded:
            continue
        payload[key] = value
    return payload


def _record(entity_type: EntityType, context: Mapping[str, Any]) -> dict[str, Any]:
    record = _columns(FIELDS[entity_type], context)
    record["source_providers"] = source_providers(context)
    record["canonical_payload"] = canonical_payload(context)
    return record


def company_record(context: Mapping[str, Any]) -> dict[str, Any] | None:
    """Return the company columns the context describes, or None when it names no company at all."""
    if not isinstance(context, Mapping):
        return None
    record = _record("company", context)
    if not (record["canonical_domain"] or record["linkedin_url"] or record["canonical_name"]):
        return None
    return record


def person_record(context: Mapping[str, Any]) -> dict[str, Any] | None:
    """Return the person columns the context describes, or None when it names no person at all."""
    if not isinstance(context, Mapping):
        return None
    record = _record("person", context)
    if record["full_name"] is None and (record["first_name"] or record["last_name"]):
        full = " ".join(p for p in (record["first_name"], record["last_name"]) if p)
        record["full_name"] = _text(full)
    if not (record["linkedin_url"] or record["work_email"] or record["full_name"]):
        return None
    return record


def entity_record(entity_type: EntityType, context: Mapping[str, Any]) -> dict[str, Any] | None:
    """Return the record of entity_type that the context describes (see company_record, person_record)."""
    return company_record(context) if entity_type == "company" else person_record(context)


def natural_keys(entity_type: EntityType, record: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Return the record's natural keys, strongest first; an unnamed person has none."""
    if entity_type == "company":
        name = record.get("canonical_name")
        candidates = [
            ("domain", record.get("canonical_domain")),
            ("linkedin", record.get("linkedin_url")),
            ("name", name.lower() if isinstance(name, str) else None),
        ]
    else:
        full_name, domain = record.get("full_name"), record.get("company_domain")
        # A name is only a key together with the employer: "John Smith" alone would merge strangers.
        named = f"{full_name.lower()}::{domain}" if isinstance(full_name, str) and domain else None
        candidates = [
            ("linkedin", record.get("linkedin_url")),
            ("work_email", record.get("work_email")),
            ("full_name", named),
        ]
    return [(kind, value) for kind, value in candidates if isinstance(value, str) and value]


def fallback_key(entity_type: EntityType, record: Mapping[str, Any]) -> str:
    """Return the sorted compact JSON of the record's entity fields, the id of last resort."""
    keys = [f.column for f in FIELDS[entity_type]] + ["canonical_payload"]
    body = {k: record.get(k) for k in keys}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def entity_id(org_id: UUID | str, entity_type: EntityType, record: Mapping[str, Any]) -> UUID:
    """Return the UUIDv5 (NAMESPACE_URL) of the record's first natural key, or of its fallback JSON."""
    keys = natural_keys(entity_type, record)
    kind, value = keys[0] if keys else ("fallback", fallback_key(entity_type, record))
    return uuid5(NAMESPACE_URL, f"{entity_type}:{org_id}:{kind}:{value}")


def new_entity_id(org_id: UUID | str, entity_type: EntityType) -> Callable[[Mapping[str, Any]], UUID]:
    """Return the function giving a record of this tenant and type its id when nothing stored matches."""
    return lambda record: entity_id(org_id, entity_type, record)


# Identity fields a freshness lookup may be given, per key, strongest key first (CONTRACTS §5.3 c).
_IDENTITY_SOURCES = {
    "company": (("company_domain", "canonical_domain", "domain"), ("linkedin_url", "company_linkedin_url")),
    "person": (("linkedin_url",), ("work_email", "email")),
}


def identity_keys(entity_type: EntityType, identity: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """Return the normalized (strong, weak) lookup keys of an identity mapping.

    Company: (domain, LinkedIn page); person: (LinkedIn profile, email). The first field of each
    kind that normalizes wins.
    """
    strong_sources, weak_sources = _IDENTITY_SOURCES[entity_type]
    if entity_type == "company":
        strong = next(filter(None, (normalize_domain(identity.get(k)) for k in strong_sources)), None)
        weak = next(filter(None, (_company_linkedin(identity.get(k)) for k in weak_sources)), None)
    else:
        strong = next(filter(None, (_person_linkedin(identity.get(k)) for k in strong_sources)), None)
        weak = next(filter(None, (normalize_email(identity.get(k)) for k in weak_sources)), None)
    return strong, weak
