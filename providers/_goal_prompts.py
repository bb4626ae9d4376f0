"""Reading a plain-language enrichment goal with OpenAI or Gemini, as structured output: request and answer.

Pure, as every adapter here: build the request, read the answer; the caller sends it. The model is
given the registry's names as the only allowed values (an `enum` in the JSON schema of OpenAI's
`response_format: json_schema`, strict, and of Gemini's `responseSchema`), and asked for the
structured goal the assembler plans from. A repair round sends back the previous answer and the
problems found in it. The prompt opens with `Task: read_goal`, which the sandbox's models recognise.

The adapters' `read_goal` action carries it through the gateways like any provider call (the rate
limit shared with batches, retries on 429 and 5xx, the circuit): its inputs are `goal_inputs`'s, and
a found answer's data is `{"answer": text}`, which the caller checks against the registry.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from providers.base import (
    NO_KEY,
    Build,
    Credentials,
    Outcome,
    ProviderResult,
    RequestSpec,
    Skip,
    missing,
    result,
)
from providers.http import HttpResponse

TASK_LINE = "Task: read_goal"
PROBLEMS_LINE = "Problems with your previous answer:"
OPENAI_MODEL = "gpt-4.1-mini"
GEMINI_MODEL = "gemini-2.5-flash"
OPERATORS = ("exists", "eq", "ne", "lt", "gt", "lte", "gte", "contains", "icontains", "in")
_FENCE = re.compile(r"^```(?:json)?\s*(.*?)\s*```$", re.DOTALL)

INSTRUCTION = (
    "You turn a user's data-enrichment goal into JSON for a planner. Use only the field names, list "
    "operations and search parameters given. outputs: the fields the user wants. conditions: each "
    '{field, op, value} an entity must meet (value as JSON text, e.g. "50" or "\\"VP\\""). each: '
    "person when the outputs are about people of each company, else null. via: the list operation to "
    "fan out over, or null. search: the titles, levels, functions or places to look for, as "
    "{name, value} pairs. max_results: how many per entity, or null. max_age_hours: how fresh existing "
    "data may be to skip a step, or null. Answer only the JSON."
)


@dataclass(frozen=True, slots=True)
class GoalPrompt:
    """What the model is asked: the goal, the entity, and the names it may use."""

    goal: str
    entity_type: str
    inputs: Sequence[str]
    fields: Sequence[str]
    lists: Sequence[str]
    search_parameters: Sequence[str]

    def text(self) -> str:
        """Return the user message."""
        return "\n".join(
            (
                TASK_LINE,
                f"Goal: {' '.join(self.goal.split())}",
                f"Entity type: {self.entity_type}",
                f"Available inputs: {', '.join(self.inputs)}",
                f"Field names: {', '.join(self.fields)}",
                f"List operations: {', '.join(self.lists)}",
                f"Search parameters: {', '.join(self.search_parameters)}",
            )
        )


_LISTS = ("inputs", "fields", "lists", "search_parameters")


def goal_inputs(
    prompt: GoalPrompt, *, previous: str | None = None, problems: Sequence[str] = ()
) -> dict[str, Any]:
    """Return the inputs of a `read_goal` call for prompt (a repair round when previous is given)."""
    inputs: dict[str, Any] = {"goal": prompt.goal, "entity_type": prompt.entity_type}
    inputs.update({name: list(getattr(prompt, name)) for name in _LISTS})
    if previous is not None:
        inputs.update(previous=previous, problems=list(problems))
    return inputs


def read_goal_inputs(inputs: Mapping[str, Any]) -> tuple[GoalPrompt, str | None, list[str]] | Skip:
    """Read a `read_goal` call's inputs back into the prompt and the repair round, if any."""
    goal = inputs.get("goal")
    if not isinstance(goal, str) or not goal.strip():
        return missing("goal")
    lists: dict[str, list[str]] = {}
    for name in _LISTS:
        values = inputs.get(name)
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise ValueError(f"{name} must be a list of names")
        lists[name] = values
    previous = inputs.get("previous")
    problems = inputs.get("problems") or []
    prompt = GoalPrompt(
        goal=goal,
        entity_type=str(inputs.get("entity_type") or "company"),
        inputs=lists["inputs"],
        fields=lists["fields"],
        lists=lists["lists"],
        search_parameters=lists["search_parameters"],
    )
    return prompt, previous if isinstance(previous, str) else None, [str(p) for p in problems]


def goal_builder(
    request: Callable[..., tuple[str, dict[str, str], dict[str, Any]]], timeout_s: float = 60
) -> Build:
    """Return a `read_goal` builder sending what request(prompt, api_key, previous=, problems=) makes."""

    def build(inputs: Mapping[str, Any], credentials: Credentials) -> RequestSpec | Skip:
        asked = read_goal_inputs(inputs)
        if isinstance(asked, Skip):
            return asked
        if not credentials.api_key:
            return NO_KEY
        prompt, previous, problems = asked
        path, headers, body = request(prompt, credentials.api_key, previous=previous, problems=problems)
        return RequestSpec("POST", path, headers=headers, json=body, timeout_s=timeout_s)

    build.__doc__ = "Ask a model to read a plain-language goal into the structured form (_goal_prompts.py)."
    return build


def goal_result(
    action: str, provider: str, response: HttpResponse, text: str, cost_usd: float
) -> ProviderResult:
    """A model's reading of a goal: found with its text, which the caller checks against the registry."""
    return result(action, provider, Outcome.FOUND, response, data={"answer": text}, cost_usd=cost_usd)


def _enum(values: Sequence[str]) -> dict[str, Any]:
    return {"type": "string", "enum": list(values)}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


def answer_schema(prompt: GoalPrompt) -> dict[str, Any]:
    """Return the JSON schema of the answer, the registry's names as its enums (strict-mode shaped)."""

    def record(properties: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "properties": properties,
            "required": list(properties),
            "additionalProperties": False,
        }

    condition = record({"field": _enum(prompt.fields), "op": _enum(OPERATORS), "value": {"type": "string"}})
    pair = record({"name": _enum(prompt.search_parameters), "value": {"type": "string"}})
    return record(
        {
            "outputs": {"type": "array", "items": _enum(prompt.fields)},
            "conditions": {"type": "array", "items": condition},
            "each": _nullable(_enum(("company", "person"))),
            "via": _nullable(_enum(prompt.lists)),
            "search": {"type": "array", "items": pair},
            "max_results": _nullable({"type": "integer"}),
            "max_age_hours": _nullable({"type": "number"}),
        }
    )


def _repair(previous: str | None, problems: Sequence[str]) -> list[str]:
    if previous is None:
        return []
    return [previous, "\n".join((PROBLEMS_LINE, *(f"- {p}" for p in problems), "Answer again, in full."))]


def openai_request(
    prompt: GoalPrompt, api_key: str, *, previous: str | None = None, problems: Sequence[str] = ()
) -> tuple[str, dict[str, str], dict[str, Any]]:
    """Return (path, headers, body) of a chat completion that reads the goal (a repair when previous)."""
    messages = [{"role": "system", "content": INSTRUCTION}, {"role": "user", "content": prompt.text()}]
    repair = _repair(previous, problems)
    if repair:
        messages += [{"role": "assistant", "content": repair[0]}, {"role": "user", "content": repair[1]}]
    body = {
        "model": OPENAI_MODEL,
        "temperature": 0,
        "max_completion_tokens": 800,
        "response_format": {
            "type": "json_schema",
            "json_schema": {"name": "goal", "strict": True, "schema": answer_schema(prompt)},
        },
        "messages": messages,
    }
    return "/v1/chat/completions", {"Authorization": f"Bearer {api_key}"}, body


def gemini_schema(schema: Any) -> Any:
    """Return schema in Gemini's OpenAPI subset: `nullable` instead of anyOf-null, no additionalProperties."""
    if isinstance(schema, list):
        return [gemini_schema(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    if "anyOf" in schema:
        inner = next(s for s in schema["anyOf"] if s.get("type") != "null")
        return {**gemini_schema(inner), "nullable": True}
    return {k: gemini_schema(v) for k, v in schema.items() if k != "additionalProperties"}


def gemini_request(
    prompt: GoalPrompt, api_key: str, *, previous: str | None = None, problems: Sequence[str] = ()
) -> tuple[str, dict[str, str], dict[str, Any]]:
    """Return (path, headers, body) of a generateContent call that reads the goal (a repair when previous)."""
    contents = [{"role": "user", "parts": [{"text": prompt.text()}]}]
    repair = _repair(previous, problems)
    if repair:
        contents += [
            {"role": "model", "parts": [{"text": repair[0]}]},
            {"role": "user", "parts": [{"text": repair[1]}]},
        ]
    body = {
        "systemInstruction": {"parts": [{"text": INSTRUCTION}]},
        "contents": contents,
        "generationConfig": {
            "temperature": 0,
            "responseMimeType": "application/json",
            "responseSchema": gemini_schema(answer_schema(prompt)),
            "maxOutputTokens": 800,
            "thinkingConfig": {"thinkingBudget": 0},
        },
    }
    return f"/v1beta/models/{GEMINI_MODEL}:generateContent", {"x-goog-api-key": api_key}, body


def answer_text(provider: str, body: Any) -> str | None:
    """Return the model's answer text from an OpenAI or Gemini response body, or None when there is none."""
    if not isinstance(body, dict):
        return None
    if provider == "openai":
        choices = body.get("choices")
        message = choices[0].get("message") if isinstance(choices, list) and choices else None
        content = message.get("content") if isinstance(message, dict) and not message.get("refusal") else None
        return content if isinstance(content, str) and content.strip() else None
    candidates = body.get("candidates")
    content = candidates[0].get("content") if isinstance(candidates, list) and candidates else None
    parts = content.get("parts") if isinstance(content, dict) else None
    text = "".join(
        str(p.get("text", "")) for p in parts or [] if isinstance(p, dict) and not p.get("thought")
    )
    return text if text.strip() else None


def parse_answer(text: str) -> dict[str, Any]:
    """Return the structured goal an answer states, in the planner's form; raise ValueError if not JSON."""
    match = _FENCE.match(text.strip())
    data = json.loads(match.group(1) if match else text)
    if not isinstance(data, dict):
        raise ValueError("the answer is not a JSON object")
    goal: dict[str, Any] = {"outputs": data.get("outputs") or []}
    conditions = []
    for item in data.get("conditions") or []:
        if isinstance(item, dict):
            leaf = {"field": item.get("field"), "op": item.get("op")}
            if item.get("op") != "exists":
                leaf["value"] = _value(item.get("value"))
            conditions.append(leaf)
    if conditions:
        goal["conditions"] = conditions
    for key in ("each", "via"):
        if data.get(key):
            goal[key] = data[key]
    search = {
        p["name"]: p.get("value") for p in data.get("search") or [] if isinstance(p, dict) and p.get("name")
    }
    if search:
        goal["search"] = search
    if data.get("max_results"):
        goal["limits"] = {"max_results": data["max_results"]}
    if data.get("max_age_hours"):
        goal["freshness"] = {"max_age_hours": data["max_age_hours"]}
    return goal


def _value(value: Any) -> Any:
    """Read a condition's value, sent as JSON text (strict schemas take one type): "50" is 50."""
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except json.JSONDecodeError:
        return value
