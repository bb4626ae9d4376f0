"""Icypeas: find a person's work email from a name and a company, asynchronously (submit, then poll).

Facts (shared PROVIDER_FACTS.md, Icypeas section; api-doc.icypeas.com):
- Base `https://app.icypeas.com/api`; header `Authorization: <key>` with the bare key. `Bearer <key>` is
  rejected with 401 (api-doc.icypeas.com/authentication), so a configured "Bearer " prefix is dropped.
- Submit `POST /email-search` `{firstname, lastname, domainOrCompany}`; one of the names may be empty.
  Answer: `{success: true, item: {_id, status: "NONE"}}`.
- Read `POST /bulk-single-searchs/read` `{id}`. Answer: `{success, items: [{_id, status, results: {emails:
  [{email, certainty, mxProvider, mxRecords}], firstname, lastname, fullname, ...}}], total, sorts}`. The
  docs and the seed read the `items` array; Sim's tools read a singular `item`, so both are accepted.
- Statuses (api-doc.icypeas.com/statuses): NONE, SCHEDULED, IN_PROGRESS are pending, anything else is
  final. FOUND and DEBITED mean found and charged. NOT_FOUND and DEBITED_NOT_FOUND mean nothing was found.
  BAD_INPUT is bad input, INSUFFICIENT_FUNDS means no credits, ABORTED is a retryable provider error.
- Errors (api-doc.icypeas.com/errors): validation errors are HTTP 200 with `success: false` and
  `validationErrors: [{expected, actual, type, field, message}]`. A bad key is 401 and over the limit is 429.
- Limits (api-doc.icypeas.com/how-works/rate_limits): `/email-search` 10/s; `/bulk-single-searchs/read`
  30/min for the whole account. Read one search at a time, that cap (not the submit rate) would bound
  throughput near one search every 2-3 s. The read also lists the account's latest single searches
  (`{mode: "single", limit <= 100}`), so the gateway reads all of a credential's open searches in one
  request every 3 s (`build_read_many`). A search the list no longer shows (a hundred newer ones pushed
  it out) must be read on its own, from what the read limit leaves, so at most OPEN_SEARCHES are open
  at once: few enough that a search usually ends before a hundred newer ones start. Measured against
  the sandbox at the documented limits (300 searches): 50 open 4.9/s, 60 5.4/s, 70 5.8/s, 85 3.6/s,
  100 2.1/s (the list loses searches and single reads queue), against 0.3/s one search at a time. A
  throttled read is waited out. Webhooks (`custom.webhookUrl`) would lift the cap but need an inbound
  endpoint, which we do not run.
- Deadline 120 s, as Sim uses (it polls every 3 s for up to 120 s).
- Price: 1 credit per found email, and a not-found search is free (api-doc.icypeas.com credit cost).
  A credit is about $0.019 (Basic plan: 1,000 credits for $19 a month, per Sim's hosting notes).

ASSUMED, not documented: the body of a 200 `success: false` that is not a validation error
(`UnpaidSubscriptionError`, `SearchNotFoundError`). We read its text from `message`, `error` or `name`.
Certainties are ranked ultra_sure > very_sure > sure > probable, and the best email is listed first.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from providers.base import (
    NO_KEY,
    Credentials,
    ErrorClass,
    Outcome,
    Pending,
    PolledAction,
    Provider,
    ProviderResult,
    RateLimit,
    RequestSpec,
    Skip,
    classify_http_error,
    json_object,
    malformed,
    missing,
    result,
)
from providers.http import HttpResponse

NAME = "icypeas"
ACTION = "email_search"
COST_PER_CREDIT_USD = 0.019
COST_PER_FOUND_EMAIL_USD = COST_PER_CREDIT_USD  # one credit per found email
POLL_INTERVAL_S = 3.0
DEADLINE_S = 120.0
REQUEST_TIMEOUT_S = 30.0
READ_PATH = "/bulk-single-searchs/read"
READ_MANY_LIMIT = 100  # the documented maximum of one list read
OPEN_SEARCHES = 60  # see the module notes: a margin below what one list read shows

PENDING_STATUSES = frozenset({"NONE", "SCHEDULED", "IN_PROGRESS"})
FOUND_STATUSES = frozenset({"FOUND", "DEBITED"})
NOT_FOUND_STATUSES = frozenset({"NOT_FOUND", "DEBITED_NOT_FOUND"})
CERTAINTY_RANK = {"ultra_sure": 0, "very_sure": 1, "sure": 2, "probable": 3}

_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://")


def bare_domain(value: str) -> str:
    """Reduce a domain or website URL to a bare lowercase domain (no scheme, `www.`, port or path)."""
    text = _SCHEME.sub("", value.strip().lower())
    text = re.split(r"[/?#]", text, maxsplit=1)[0].rsplit("@", 1)[-1].split(":", 1)[0].rstrip(".")
    return text.removeprefix("www.")


def _text(inputs: Mapping[str, Any], *names: str) -> str | None:
    for name in names:
        value = inputs.get(name)
        if value is None:
            continue
        if not isinstance(value, str):
            raise TypeError(f"{name} must be a string, not {type(value).__name__}")
        if value.strip():
            return value.strip()
    return None


def _names(inputs: Mapping[str, Any]) -> tuple[str, str] | None:
    first, last = _text(inputs, "first_name"), _text(inputs, "last_name")
    if first or last:
        return first or "", last or ""
    full = _text(inputs, "full_name")
    if full is None:
        return None
    # "Anne van der Berg" -> ("Anne", "van der Berg"): particles belong to the last name.
    given, _, family = full.partition(" ")
    return given, family.strip()


def _company(inputs: Mapping[str, Any]) -> str | None:
    website = _text(inputs, "company_domain", "company_website")
    if website and (domain := bare_domain(website)):
        return domain
    return _text(inputs, "company_name")


def _auth(credentials: Credentials) -> dict[str, str]:
    key = (credentials.api_key or "").strip()
    if key.lower().startswith("bearer "):
        key = key[7:].strip()
    return {"Authorization": key}


def build_email_search(inputs: Mapping[str, Any], credentials: Credentials) -> RequestSpec | Skip:
    """Start a search for the work email of a person (names) at a company (domain, website or name)."""
    names, company = _names(inputs), _company(inputs)
    if names is None or company is None:
        needs = []
        if names is None:
            needs.append("first_name|last_name|full_name")
        if company is None:
            needs.append("company_domain|company_website|company_name")
        return missing(*needs)
    if not credentials.api_key:
        return NO_KEY
    body = {"firstname": names[0], "lastname": names[1], "domainOrCompany": company}
    return RequestSpec(
        "POST", "/email-search", headers=_auth(credentials), json=body, timeout_s=REQUEST_TIMEOUT_S
    )


def build_read(search_id: str, credentials: Credentials) -> RequestSpec:
    """Read the current state of one search."""
    return RequestSpec(
        "POST", READ_PATH, headers=_auth(credentials), json={"id": search_id}, timeout_s=REQUEST_TIMEOUT_S
    )


def build_read_many(search_ids: Sequence[str], credentials: Credentials) -> RequestSpec:
    """List the account's latest single searches, which holds every search still open."""
    return RequestSpec(
        "POST",
        READ_PATH,
        headers=_auth(credentials),
        json={"mode": "single", "limit": READ_MANY_LIMIT},
        timeout_s=REQUEST_TIMEOUT_S,
    )


def _refused(response: HttpResponse, body: dict[str, Any]) -> ProviderResult:
    """Classify a 200 whose body says `success: false`."""
    errors = body.get("validationErrors")
    if isinstance(errors, list) and errors:
        fields = ", ".join(
            f"{e.get('field')} ({e.get('message') or e.get('type')})" for e in errors if isinstance(e, dict)
        )
        return result(
            ACTION,
            NAME,
            Outcome.FAILED,
            response,
            error_class=ErrorClass.BAD_INPUT,
            provider_status="validation_error",
            message=f"rejected fields: {fields}" if fields else "validation error",
        )
    message = next(
        (str(body[k]) for k in ("message", "error", "name") if isinstance(body.get(k), str) and body[k]),
        "request refused",
    )
    lowered = message.lower()
    if "unpaid" in lowered or "fund" in lowered or "credit" in lowered:
        error = ErrorClass.NO_CREDITS
    elif "unauthori" in lowered or "api key" in lowered:
        error = ErrorClass.BAD_KEY
    elif "notfound" in lowered.replace(" ", ""):
        error = ErrorClass.BAD_INPUT  # the search id is unknown to Icypeas: polling again cannot help
    else:
        error = ErrorClass.PROVIDER_ERROR
    return result(ACTION, NAME, Outcome.FAILED, response, error_class=error, message=message)


def _emails(item: Mapping[str, Any]) -> list[dict[str, Any]]:
    results = item.get("results")
    raw = results.get("emails") if isinstance(results, dict) else None
    found = [
        {
            "email": e["email"].strip().lower(),
            "certainty": e.get("certainty"),
            "mx_provider": e.get("mxProvider"),
        }
        for e in raw or []
        if isinstance(e, dict) and isinstance(e.get("email"), str) and "@" in e["email"]
    ]
    return sorted(found, key=lambda e: CERTAINTY_RANK.get(str(e["certainty"]), len(CERTAINTY_RANK)))


def _final(response: HttpResponse, item: Mapping[str, Any], **raw: Any) -> ProviderResult:
    """Classify a search that is no longer pending (`raw=` replaces the stored answer)."""
    status = str(item.get("status") or "")
    emails = _emails(item)
    if status in FOUND_STATUSES or (emails and status not in NOT_FOUND_STATUSES):
        if not emails:
            return result(ACTION, NAME, Outcome.NOT_FOUND, response, provider_status=status, **raw)
        results = item.get("results")
        results = results if isinstance(results, dict) else {}
        data = {
            "email": emails[0]["email"],
            "certainty": emails[0]["certainty"],
            "mx_provider": emails[0]["mx_provider"],
            "emails": emails,
            "first_name": results.get("firstname"),
            "last_name": results.get("lastname"),
            "full_name": results.get("fullname"),
            "source_search_id": item.get("_id"),
        }
        return result(
            ACTION,
            NAME,
            Outcome.FOUND,
            response,
            data=data,
            provider_status=status,
            cost_usd=COST_PER_FOUND_EMAIL_USD,
            **raw,
        )
    if status in NOT_FOUND_STATUSES:
        return result(ACTION, NAME, Outcome.NOT_FOUND, response, provider_status=status, **raw)
    if status == "BAD_INPUT":
        error, outcome = ErrorClass.BAD_INPUT, Outcome.FAILED
    elif status == "INSUFFICIENT_FUNDS":
        error, outcome = ErrorClass.NO_CREDITS, Outcome.FAILED
    elif status == "ABORTED":
        error, outcome = ErrorClass.PROVIDER_ERROR, Outcome.RETRYABLE
    else:
        error, outcome = ErrorClass.PROVIDER_ERROR, Outcome.FAILED
    return result(
        ACTION,
        NAME,
        outcome,
        response,
        error_class=error,
        provider_status=status,
        message=f"search {status}",
        **raw,
    )


def parse_submit(response: HttpResponse) -> ProviderResult | Pending:
    """Read the search id of a started search, or classify why it did not start."""
    if response.status not in (200, 201):
        return classify_http_error(ACTION, NAME, response)
    body = json_object(response)
    if body is None:
        return malformed(ACTION, NAME, response)
    if body.get("success") is not True:
        return _refused(response, body)
    item = body.get("item")
    if not isinstance(item, dict) or not isinstance(item.get("_id"), str):
        return malformed(ACTION, NAME, response, "no item._id in the submit answer")
    status = str(item.get("status") or "NONE")
    if status in PENDING_STATUSES:
        return Pending(item["_id"], status, body)
    return _final(response, item)  # e.g. INSUFFICIENT_FUNDS straight away


def _item_for(body: Mapping[str, Any], search_id: str) -> Mapping[str, Any] | None:
    items = body.get("items")
    if isinstance(items, list):
        candidates = [i for i in items if isinstance(i, dict)]
        exact = next((i for i in candidates if i.get("_id") == search_id), None)
        return exact or (candidates[0] if len(candidates) == 1 else None)
    item = body.get("item")  # Sim's reading of the same call
    return item if isinstance(item, dict) else None


def _read_answer(response: HttpResponse) -> dict[str, Any] | ProviderResult:
    """Return the body of a successful read, or classify why the read failed."""
    if response.status != 200:
        return classify_http_error(ACTION, NAME, response)
    body = json_object(response)
    if body is None:
        return malformed(ACTION, NAME, response)
    if body.get("success") is not True:
        return _refused(response, body)
    return body


def parse_read(response: HttpResponse, search_id: str) -> ProviderResult | Pending:
    """Classify one read of a search: still pending, or its final answer."""
    body = _read_answer(response)
    if isinstance(body, ProviderResult):
        return body
    item = _item_for(body, search_id)
    if item is None:
        return Pending(search_id, None, body)  # not readable yet; the deadline bounds the wait
    status = str(item.get("status") or "")
    if status in PENDING_STATUSES:
        return Pending(search_id, status, body)
    return _final(response, item)


def parse_read_many(
    response: HttpResponse, search_ids: Sequence[str]
) -> dict[str, ProviderResult | Pending] | ProviderResult:
    """Classify each wanted search the list shows; the read's own failure when it failed."""
    body = _read_answer(response)
    if isinstance(body, ProviderResult):
        return body
    items = body.get("items")
    if not isinstance(items, list):
        return malformed(ACTION, NAME, response, "no items in the read answer")
    wanted = set(search_ids)
    answers: dict[str, ProviderResult | Pending] = {}
    for item in items:
        if not isinstance(item, dict) or item.get("_id") not in wanted:
            continue
        search_id = str(item["_id"])
        status = str(item.get("status") or "")
        answers[search_id] = (
            Pending(search_id, status, item)
            if status in PENDING_STATUSES
            else _final(response, item, raw=item)
        )
    return answers


PROVIDER = Provider(
    name=NAME,
    base_url="https://app.icypeas.com/api",
    rate_limit=RateLimit(rate=10, per_seconds=1, concurrency=OPEN_SEARCHES),
    path_limits={READ_PATH: RateLimit(rate=30, per_seconds=60)},
    actions={
        ACTION: PolledAction(
            provider=NAME,
            name=ACTION,
            build=build_email_search,
            parse_submit=parse_submit,
            build_poll=build_read,
            parse_poll=parse_read,
            poll_interval_s=POLL_INTERVAL_S,
            deadline_s=DEADLINE_S,
            cost_usd=COST_PER_FOUND_EMAIL_USD,
            build_poll_many=build_read_many,
            parse_poll_many=parse_read_many,
            poll_many_limit=READ_MANY_LIMIT,
            description="Find a person's work email from their name and company (asynchronous).",
        )
    },
    docs="api-doc.icypeas.com (authentication, statuses, errors, rate limits); PROVIDER_FACTS.md (Icypeas)",
)
