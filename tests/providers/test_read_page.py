"""The models' `read_page` action: the request asks for exactly the missing fields, the answer is checked
field by field, and both adapters read the sandbox's pages over real HTTP."""

from __future__ import annotations

import json
from typing import Any

import pytest

from providers import gemini as gm
from providers import openai as oa
from providers._page_prompts import MAX_PAGE_CHARS, page_prompt, read_answer, read_prompt
from providers.base import Credentials, Outcome, RequestSpec, Skip
from providers.execute import execute
from providers.http import HttpClient, HttpResponse
from providers.sandbox.server import SandboxServer
from providers.sandbox.web_pages import g2_truth, pricing_truth
from providers.sandbox.world import World
from tests.providers.conftest import sandbox_endpoint

PRICING_ASK = {
    "page_kind": "pricing",
    "page_url": "https://acme.io/pricing",
    "fields": ["free_tier", "plans"],
    "page_text": "Pro costs 49 dollars per user each month.",
}


def _response(body: object) -> HttpResponse:
    return HttpResponse(status=200, headers={}, body=json.dumps(body).encode(), elapsed_ms=1.0)


def _completion(content: str) -> dict[str, object]:
    """A chat.completion as OpenAI documents it, written by us."""
    message = {"role": "assistant", "content": content, "refusal": None}
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "model": "gpt-4.1-mini-2025-04-14",
        "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 5000, "completion_tokens": 400, "total_tokens": 5400},
    }


def test_openai_asks_for_exactly_the_missing_fields_with_a_strict_schema() -> None:
    request = oa.PROVIDER.actions["read_page"].build(PRICING_ASK, Credentials("k"))
    assert isinstance(request, RequestSpec) and request.path == "/v1/chat/completions"
    schema = request.json["response_format"]["json_schema"]
    assert schema["strict"] is True and schema["name"] == "pricing_page_facts"
    # In the kind's order, whatever the order asked; only those, all required, nothing else allowed.
    assert schema["schema"]["required"] == ["plans", "free_tier"]
    assert schema["schema"]["additionalProperties"] is False
    plan = schema["schema"]["properties"]["plans"]["items"]
    assert plan["additionalProperties"] is False and set(plan["required"]) == set(plan["properties"])
    user = request.json["messages"][1]["content"]
    assert read_prompt(user) == page_prompt(PRICING_ASK)


def test_gemini_asks_with_a_response_schema_in_its_openapi_subset() -> None:
    request = gm.PROVIDER.actions["read_page"].build(
        {**PRICING_ASK, "page_kind": "g2", "fields": ["rating"]}, Credentials("k")
    )
    assert isinstance(request, RequestSpec) and request.path.endswith("gemini-2.5-flash:generateContent")
    config = request.json["generationConfig"]
    assert config["responseMimeType"] == "application/json"
    assert config["responseSchema"]["required"] == ["rating"]
    assert config["responseSchema"]["properties"]["rating"] == {"type": "number", "nullable": True}
    assert "additionalProperties" not in json.dumps(config["responseSchema"])


def test_inputs_are_checked_before_any_request() -> None:
    action = oa.PROVIDER.actions["read_page"]
    assert action.build({**PRICING_ASK, "page_text": "  "}, Credentials("k")) == Skip(
        "missing_required_inputs", ("page_text",)
    )
    assert isinstance(action.build(PRICING_ASK, Credentials(None)), Skip)  # no key: skipped, never sent
    with pytest.raises(ValueError, match="not a field of a pricing page: rating"):
        action.build({**PRICING_ASK, "fields": ["rating"]}, Credentials("k"))
    with pytest.raises(ValueError, match="page_kind must be one of"):
        action.build({**PRICING_ASK, "page_kind": "careers"}, Credentials("k"))
    long = page_prompt({**PRICING_ASK, "page_text": "word " * 10_000})
    assert not isinstance(long, Skip) and len(long.text) == MAX_PAGE_CHARS


def test_each_answered_field_is_checked_and_a_bad_value_dropped() -> None:
    answer: dict[str, Any] = {
        "plans": [
            {"name": " Pro ", "price": 49, "currency": "usd", "billing_period": "month", "unit": "seat"},
            {"name": "Enterprise", "price": None, "currency": None, "billing_period": None, "unit": None},
            {"name": "", "price": 5},  # no name: dropped
            "Basic",  # not an object: dropped
        ],
        "free_tier": "yes",  # not a boolean: dropped
        "rating": 7.5,  # out of range: dropped
        "review_count": 1200.0,
        "categories": ["CRM", 3, " "],
        "invented": True,  # never asked of anyone: ignored
    }
    facts = read_answer("```json\n" + json.dumps(answer) + "\n```")
    assert facts == {
        "plans": [
            {
                "name": "Pro",
                "price": 49.0,
                "currency": "USD",
                "billing_period": "month",
                "unit": "seat",
                "contact_sales": False,
            },
            {
                "name": "Enterprise",
                "price": None,
                "currency": None,
                "billing_period": None,
                "unit": None,
                "contact_sales": True,
            },
        ],
        "review_count": 1200,
        "categories": ["CRM"],
    }
    assert read_answer("not json") is None and read_answer("[1, 2]") is None


def test_an_answer_with_nothing_usable_is_a_billed_miss() -> None:
    parse = oa.PROVIDER.actions["read_page"].parse
    missed = parse(_response(_completion(json.dumps({"plans": [], "free_tier": None}))))
    assert missed.outcome is Outcome.NOT_FOUND and missed.provider_status == "no_facts"
    assert missed.cost_usd == pytest.approx((5000 * 0.40 + 400 * 1.60) / 1e6)
    found = parse(_response(_completion(json.dumps({"free_tier": True}))))
    assert found.outcome is Outcome.FOUND and found.data == {"free_tier": True}


async def test_both_models_read_the_sandbox_pages_over_http(
    sandbox: SandboxServer, world: World, client: HttpClient
) -> None:
    company = next(c for c in world.companies() if pricing_truth(world, c) and g2_truth(world, c))
    pricing, g2 = pricing_truth(world, company), g2_truth(world, company)
    assert pricing is not None and g2 is not None
    for adapter in (oa, gm):
        endpoint = sandbox_endpoint(sandbox, adapter.NAME)
        action = adapter.PROVIDER.actions["read_page"]
        ask = {**PRICING_ASK, "page_url": company.pricing_page_url, "fields": ["plans", "trial_days"]}
        answer = await execute(action, ask, endpoint=endpoint, client=client)
        assert answer.outcome is Outcome.FOUND and answer.data is not None, answer
        assert answer.data["plans"] == [p.facts() for p in pricing.plans]
        assert answer.data.get("trial_days") == pricing.trial_days and answer.cost_usd > 0
        ask = {
            "page_kind": "g2",
            "page_url": company.g2_url,
            "fields": ["rating", "alternatives"],
            "page_text": "x",
        }
        answer = await execute(action, ask, endpoint=endpoint, client=client)
        assert answer.outcome is Outcome.FOUND and answer.data is not None
        assert answer.data["rating"] == g2.rating and set(answer.data) <= {"rating", "alternatives"}
        unknown = {**ask, "page_url": "https://www.g2.com/products/no-such-product/reviews"}
        missed = await execute(action, unknown, endpoint=endpoint, client=client)
        assert missed.outcome is Outcome.NOT_FOUND
