"""Reading a goal with OpenAI or Gemini: the structured-output requests and the answer's reading."""

from __future__ import annotations

import json
from typing import Any

import pytest

from providers._goal_prompts import (
    TASK_LINE,
    GoalPrompt,
    answer_text,
    gemini_request,
    openai_request,
    parse_answer,
)

PROMPT = GoalPrompt(
    goal="a verified work email of each VP of Sales",
    entity_type="company",
    inputs=["company_domain"],
    fields=["email_status", "employee_count", "work_email"],
    lists=["person.search"],
    search_parameters=["job_title"],
)


def _walk(schema: Any) -> list[dict[str, Any]]:
    if isinstance(schema, list):
        return [node for item in schema for node in _walk(item)]
    if not isinstance(schema, dict):
        return []
    return [schema, *(node for value in schema.values() for node in _walk(value))]


def test_openai_asks_for_strict_structured_output_with_the_registrys_names() -> None:
    path, headers, body = openai_request(PROMPT, "k")
    assert path == "/v1/chat/completions" and headers == {"Authorization": "Bearer k"}
    spec = body["response_format"]
    assert spec["type"] == "json_schema" and spec["json_schema"]["strict"] is True
    schema = spec["json_schema"]["schema"]
    assert schema["properties"]["outputs"]["items"]["enum"] == [
        "email_status",
        "employee_count",
        "work_email",
    ]
    # Strict mode: every object lists all its properties as required and allows no others.
    for node in _walk(schema):
        if node.get("type") == "object":
            assert node["additionalProperties"] is False and node["required"] == list(node["properties"])
    assert body["messages"][1]["content"].startswith(TASK_LINE)


def test_a_repair_sends_back_the_answer_and_its_problems() -> None:
    _, _, body = openai_request(
        PROMPT, "k", previous='{"outputs": ["x"]}', problems=["output 'x' is unknown"]
    )
    assert [m["role"] for m in body["messages"]] == ["system", "user", "assistant", "user"]
    assert "- output 'x' is unknown" in body["messages"][3]["content"]
    _, _, gem = gemini_request(PROMPT, "k", previous='{"outputs": ["x"]}', problems=["output 'x' is unknown"])
    assert [c["role"] for c in gem["contents"]] == ["user", "model", "user"]


def test_gemini_gets_its_openapi_subset_of_the_schema() -> None:
    path, headers, body = gemini_request(PROMPT, "k")
    assert path.endswith(":generateContent") and headers == {"x-goog-api-key": "k"}
    config = body["generationConfig"]
    assert config["responseMimeType"] == "application/json"
    nodes = _walk(config["responseSchema"])
    assert not any("anyOf" in n or "additionalProperties" in n for n in nodes)
    assert config["responseSchema"]["properties"]["via"] == {
        "type": "string",
        "enum": ["person.search"],
        "nullable": True,
    }


@pytest.mark.parametrize(
    ("provider", "body", "text"),
    [
        ("openai", {"choices": [{"message": {"content": "{}", "refusal": None}}]}, "{}"),
        ("openai", {"choices": [{"message": {"content": None, "refusal": "no"}}]}, None),
        ("gemini", {"candidates": [{"content": {"parts": [{"text": "{"}, {"text": "}"}]}}]}, "{}"),
        ("gemini", {"candidates": []}, None),
        ("gemini", "not an object", None),
    ],
)
def test_the_answer_text_is_read_from_either_model(provider: str, body: Any, text: str | None) -> None:
    assert answer_text(provider, body) == text


def test_an_answer_becomes_the_planners_structured_goal() -> None:
    answer = {
        "outputs": ["work_email"],
        "conditions": [
            {"field": "employee_count", "op": "gte", "value": "50"},
            {"field": "title", "op": "icontains", "value": "sales"},
            {"field": "work_email", "op": "exists", "value": ""},
        ],
        "each": "person",
        "via": None,
        "search": [{"name": "job_title", "value": "VP of Sales"}],
        "max_results": 3,
        "max_age_hours": None,
    }
    assert parse_answer("```json\n" + json.dumps(answer) + "\n```") == {
        "outputs": ["work_email"],
        "conditions": [
            {"field": "employee_count", "op": "gte", "value": 50},
            {"field": "title", "op": "icontains", "value": "sales"},
            {"field": "work_email", "op": "exists"},
        ],
        "each": "person",
        "search": {"job_title": "VP of Sales"},
        "limits": {"max_results": 3},
    }
    with pytest.raises(ValueError):
        parse_answer("[1, 2]")
