"""Parallel AI Task API: run a web-research task with typed output fields (submit, poll, fetch the result).

Facts (shared PROVIDER_FACTS.md, Parallel section; docs.parallel.ai):
- Base `https://api.parallel.ai`; header `x-api-key: <key>`.
- Create `POST /v1/tasks/runs` `{input (object or string), processor, task_spec: {input_schema: {type:
  "json", json_schema}, output_schema: {type: "json", json_schema}}}`. Answer: HTTP 202 with a run
  `{run_id: "trun_…", status: "queued", is_active, processor, metadata, created_at, modified_at}`.
- Poll `GET /v1/tasks/runs/{run_id}`, which returns the same run object. `status` is one of queued,
  action_required, running, completed, failed, cancelling, cancelled. `is_active` is true for queued,
  running and cancelling. A failed run carries `error: {ref_id, message, detail}`.
- Result `GET /v1/tasks/runs/{run_id}/result?timeout=<s>` blocks until the run completes. Answer:
  `{run, output: {type: "json", content: {…}, basis: [{field, citations: [{title, url, excerpts}],
  reasoning, confidence}]}}`. We fetch it only once a poll has seen `completed` (`Ready`), so its wait is
  short.
- Limits: 2,000 requests/min per key across all Task API calls (429 beyond). Task spec plus input must stay
  under 15,000 characters. Output schemas nest at most 3 levels; an invalid schema is a 4xx.
- Processors and run prices: lite $0.005, base $0.01, core $0.025, core2x $0.05, pro $0.10, ultra $0.30,
  ultra2x $0.60, ultra4x $1.20, ultra8x $2.40. A `-fast` variant costs the same. Every run is billed,
  whether or not it finds anything (Sim, citing docs.parallel.ai/getting-started/pricing).
- Run times: lite 10-60 s, base 15-100 s, core 1-5 min. We poll every 2 s and give up after 300 s. The
  gateway's rate is 2,000/60 s; a run makes one request per poll, plus two.

ASSUMED, not documented in what we read: error bodies are `{"type": "error", "error": {"ref_id", "message",
"detail"}}` (the SDK's ErrorResponse) at 401/403 (bad key), 402 (no credit), 404 (unknown run), 422
(invalid task), 429 and 5xx. `/result` answers 408 when the run is still not done at `timeout` (retryable).
Text values such as "" or "N/A" in the output count as no value.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import partial
from typing import Any

from providers.base import (
    NO_KEY,
    Build,
    Credentials,
    ErrorClass,
    Outcome,
    Pending,
    PolledAction,
    Provider,
    ProviderResult,
    RateLimit,
    Ready,
    RequestSpec,
    ResultParse,
    Skip,
    classify_http_error,
    json_object,
    malformed,
    missing,
    result,
)
from providers.http import HttpResponse

NAME = "parallel"
DEFAULT_PROCESSOR = "base"
POLL_INTERVAL_S = 2.0
DEADLINE_S = 300.0
RESULT_WAIT_S = 30  # the `timeout` of /result; the run is already completed when we ask
PROCESSOR_PRICES_USD = {
    "lite": 0.005,
    "base": 0.01,
    "core": 0.025,
    "core2x": 0.05,
    "pro": 0.10,
    "ultra": 0.30,
    "ultra2x": 0.60,
    "ultra4x": 1.20,
    "ultra8x": 2.40,
}
JSON_TYPES = frozenset({"string", "number", "integer", "boolean", "array", "object"})
ACTIVE_STATUSES = frozenset({"queued", "running", "cancelling"})
_NO_VALUE = frozenset({"", "n/a", "na", "none", "null", "unknown", "not found", "not available"})
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[a-z]{2,63}", re.IGNORECASE)
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://")


def processor_price(processor: str) -> float | None:
    """Return the USD price of one run on a processor (None for an unknown processor)."""
    return PROCESSOR_PRICES_USD.get(processor.removesuffix("-fast"))


def task_inputs(
    task_input: dict[str, Any], output_fields: dict[str, str], processor: str = "base"
) -> dict[str, Any]:
    """Build the inputs of `task_run` from the task's input, the wanted output fields and a processor."""
    return {"task_input": dict(task_input), "output_fields": dict(output_fields), "processor": processor}


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, list | tuple):
        return "array"
    if isinstance(value, Mapping):
        return "object"
    return "string"


def output_schema(output_fields: Mapping[str, Any]) -> dict[str, Any]:
    """Turn {field: JSON type or property schema} into the JSON schema of a task's output."""
    properties: dict[str, Any] = {}
    for name, spec in output_fields.items():
        if isinstance(spec, str):
            if spec not in JSON_TYPES:
                raise ValueError(f"output field {name!r}: unknown JSON type {spec!r}")
            label = name.replace("_", " ")
            properties[name] = {
                "type": spec,
                "description": f"The {label}. Leave empty if it cannot be found.",
            }
        elif isinstance(spec, Mapping):
            properties[name] = dict(spec)
        else:
            raise TypeError(f"output field {name!r} must be a JSON type name or a property schema")
    if not properties:
        raise ValueError("a task needs at least one output field")
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


def _create(
    task_input: Mapping[str, Any], schema: Mapping[str, Any], processor: str, credentials: Credentials
) -> RequestSpec:
    if processor_price(processor) is None:
        raise ValueError(f"unknown Parallel processor {processor!r}")
    input_schema = {
        "type": "object",
        "properties": {key: {"type": _json_type(value)} for key, value in task_input.items()},
    }
    body = {
        "input": dict(task_input),
        "processor": processor,
        "task_spec": {
            "input_schema": {"type": "json", "json_schema": input_schema},
            "output_schema": {"type": "json", "json_schema": dict(schema)},
        },
    }
    headers = {"x-api-key": credentials.api_key or ""}
    return RequestSpec("POST", "/v1/tasks/runs", headers=headers, json=body, timeout_s=30)


def build_task_run(inputs: Mapping[str, Any], credentials: Credentials) -> RequestSpec | Skip:
    """Start a task run from `task_input` and `output_fields` (or a full `output_schema`)."""
    task_input = inputs.get("task_input")
    fields, schema = inputs.get("output_fields"), inputs.get("output_schema")
    needs = [] if task_input else ["task_input"]
    if not fields and not schema:
        needs.append("output_fields|output_schema")
    if needs:
        return missing(*needs)
    if not isinstance(task_input, Mapping):
        raise TypeError("task_input must be an object")
    if schema:
        if not isinstance(schema, Mapping):
            raise TypeError("output_schema must be a JSON schema object")
    elif isinstance(fields, Mapping):
        schema = output_schema(fields)
    else:
        raise TypeError("output_fields must map field names to JSON types")
    if not credentials.api_key:
        return NO_KEY
    processor = str(inputs.get("processor") or DEFAULT_PROCESSOR)
    return _create(task_input, schema, processor, credentials)


def build_poll(run_id: str, credentials: Credentials) -> RequestSpec:
    """Read a run's status."""
    return RequestSpec("GET", f"/v1/tasks/runs/{run_id}", headers={"x-api-key": credentials.api_key or ""})


def build_result(run_id: str, credentials: Credentials) -> RequestSpec:
    """Fetch a completed run's output."""
    return RequestSpec(
        "GET",
        f"/v1/tasks/runs/{run_id}/result",
        headers={"x-api-key": credentials.api_key or ""},
        params={"timeout": str(RESULT_WAIT_S)},
        timeout_s=RESULT_WAIT_S + 15,
    )


def _error_message(body: Mapping[str, Any] | None) -> str | None:
    error = body.get("error") if body else None
    if isinstance(error, Mapping):
        return str(error.get("message") or "") or None
    if isinstance(error, str):
        return error
    detail = body.get("detail") if body else None
    return str(detail) if detail else None


def _http_error(action: str, response: HttpResponse) -> ProviderResult:
    message = _error_message(json_object(response))
    if response.status == 408:  # /result waited `timeout` and the run was still going
        return result(
            action, NAME, Outcome.RETRYABLE, response, error_class=ErrorClass.TIMEOUT, message=message
        )
    return classify_http_error(action, NAME, response, message=message)


def parse_submit(response: HttpResponse, action: str = "task_run") -> ProviderResult | Pending:
    """Read the run id of a created run, or classify why it was refused."""
    if response.status not in (200, 201, 202):
        return _http_error(action, response)
    body = json_object(response)
    if body is None or not isinstance(body.get("run_id"), str):
        return malformed(action, NAME, response, "no run_id in the create answer")
    return Pending(body["run_id"], str(body.get("status") or "queued"), body)


def parse_poll(
    response: HttpResponse, run_id: str, action: str = "task_run"
) -> ProviderResult | Pending | Ready:
    """Classify a run's status: still active, completed (fetch the result), or ended without one."""
    if response.status != 200:
        return _http_error(action, response)
    body = json_object(response)
    if body is None or not isinstance(body.get("status"), str):
        return malformed(action, NAME, response, "no status in the run")
    status = body["status"]
    if status == "completed":
        return Ready(run_id, body)
    if status in ACTIVE_STATUSES:
        return Pending(run_id, status, body)
    # failed, cancelled, and action_required (it needs a human step we never take): all final.
    message = _error_message(body) or f"run {status}"
    return result(
        action,
        NAME,
        Outcome.FAILED,
        response,
        error_class=ErrorClass.PROVIDER_ERROR,
        provider_status=status,
        message=message,
    )


def _value(value: Any) -> Any:
    if isinstance(value, str):
        text = value.strip()
        return None if text.lower() in _NO_VALUE else text
    return value


def parse_task_result(response: HttpResponse, run_id: str, action: str = "task_run") -> ProviderResult:
    """Turn a run's output into data: the content fields plus each field's confidence from its basis."""
    if response.status != 200:
        return _http_error(action, response)
    body = json_object(response)
    output = body.get("output") if body else None
    if body is None or not isinstance(output, dict):
        return malformed(action, NAME, response, "no output in the result")
    run = body.get("run")
    run = run if isinstance(run, dict) else {}
    processor = str(run.get("processor") or DEFAULT_PROCESSOR)
    cost = processor_price(processor) or PROCESSOR_PRICES_USD[DEFAULT_PROCESSOR]
    content = output.get("content")
    if isinstance(content, str):
        content = {"text": content}
    if not isinstance(content, dict):
        return malformed(action, NAME, response, "output content is neither an object nor text")
    data: dict[str, Any] = {key: _value(value) for key, value in content.items()}
    basis = output.get("basis")
    data["confidence"] = {
        str(b["field"]): b.get("confidence")
        for b in (basis if isinstance(basis, list) else [])
        if isinstance(b, dict) and isinstance(b.get("field"), str)
    }
    found = any(value not in (None, [], {}) for key, value in data.items() if key != "confidence")
    return result(
        action,
        NAME,
        Outcome.FOUND if found else Outcome.NOT_FOUND,
        response,
        data=data if found else None,
        provider_status=str(run.get("status") or "completed"),
        cost_usd=cost,
    )


def _text(inputs: Mapping[str, Any], *names: str) -> str | None:
    for name in names:
        value = inputs.get(name)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def build_find_email(inputs: Mapping[str, Any], credentials: Credentials) -> RequestSpec | Skip:
    """Start a task asking for a person's work email from their full name and company."""
    full = _text(inputs, "full_name")
    first, last = _text(inputs, "first_name"), _text(inputs, "last_name")
    if full is None and first and last:
        full = f"{first} {last}"
    website = _text(inputs, "company_domain", "company_website")
    domain = None
    if website:
        domain = re.split(r"[/?#:]", _SCHEME.sub("", website.lower()), maxsplit=1)[0].removeprefix("www.")
    company = _text(inputs, "company_name")
    needs = [] if full else ["full_name|first_name+last_name"]
    if not (domain or company):
        needs.append("company_domain|company_website|company_name")
    if needs:
        return missing(*needs)
    if not credentials.api_key:
        return NO_KEY
    task_input = {"full_name": full, **({"company_domain": domain} if domain else {"company_name": company})}
    schema = output_schema(
        {
            "work_email": {
                "type": "string",
                "description": "The person's current work email address at this company. "
                "Leave empty unless it is published or confirmed by a reliable source.",
            }
        }
    )
    processor = str(inputs.get("processor") or DEFAULT_PROCESSOR)
    return _create(task_input, schema, processor, credentials)


def parse_find_email(response: HttpResponse, run_id: str) -> ProviderResult:
    """Read the work email out of a find_email run's output."""
    answer = parse_task_result(response, run_id, "find_email")
    if answer.outcome is not Outcome.FOUND or answer.data is None:
        return answer
    email = answer.data.get("work_email") or answer.data.get("email")
    if not isinstance(email, str) or not _EMAIL.fullmatch(email):
        return result("find_email", NAME, Outcome.NOT_FOUND, response, cost_usd=answer.cost_usd)
    confidence = answer.data["confidence"].get("work_email")
    data = {"email": email.lower(), "confidence": confidence}
    return result(
        "find_email",
        NAME,
        Outcome.FOUND,
        response,
        data=data,
        cost_usd=answer.cost_usd,
        provider_status=answer.provider_status,
    )


def _polled(name: str, build: Build, parse_result: ResultParse, description: str) -> PolledAction:
    return PolledAction(
        provider=NAME,
        name=name,
        build=build,
        parse_submit=partial(parse_submit, action=name),
        build_poll=build_poll,
        parse_poll=partial(parse_poll, action=name),
        poll_interval_s=POLL_INTERVAL_S,
        deadline_s=DEADLINE_S,
        cost_usd=PROCESSOR_PRICES_USD[DEFAULT_PROCESSOR],
        description=description,
        build_result=build_result,
        parse_result=parse_result,
    )


PROVIDER = Provider(
    name=NAME,
    base_url="https://api.parallel.ai",
    rate_limit=RateLimit(rate=2000, per_seconds=60, concurrency=50),
    actions={
        "task_run": _polled(
            "task_run",
            build_task_run,
            parse_task_result,
            "Run a web-research task: task_input in, the requested output_fields out (with confidence).",
        ),
        "find_email": _polled(
            "find_email",
            build_find_email,
            parse_find_email,
            "Find a person's work email with a research task (last resort of email resolution).",
        ),
    },
    docs="docs.parallel.ai (task runs create/retrieve/result, processors, rate limits); PROVIDER_FACTS.md",
)
