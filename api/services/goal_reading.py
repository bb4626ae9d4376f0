"""Reading a plain-language goal into the structured form, with OpenAI or Gemini, whichever has a key.

The model's answer is held to the registry's vocabulary (blueprints/vocabulary.py). An answer that
names an unknown field, list or parameter, or a malformed condition, is sent back with the problems
found, at most twice; an answer still wrong after that is refused, never planned or saved.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pydantic import ValidationError

from api.errors import ApiError
from blueprints.goal import Goal
from blueprints.vocabulary import list_operations, name_problems, search_parameters, vocabulary
from config import ProviderSettings
from operations.spec import OperationSpec
from providers import gemini, openai
from providers._goal_prompts import GoalPrompt, answer_text, gemini_request, openai_request, parse_answer
from providers.http import HttpClient, HttpRequest, MalformedBody, TransportError

MAX_REPAIRS = 2
MODELS = {
    "openai": (openai.PROVIDER.base_url, openai_request),
    "gemini": (gemini.PROVIDER.base_url, gemini_request),
}
TIMEOUT_S = 60.0


@dataclass(frozen=True, slots=True)
class Reading:
    """A goal as a model read it: the structured form, which model, and how many repair rounds it took."""

    goal: Goal
    model: str
    repairs: int


def reading_model(providers: ProviderSettings) -> str | None:
    """Return the provider that reads goals: OpenAI if it has a key, else Gemini if it has, else None."""
    return next((name for name in MODELS if providers.api_key(name)), None)


def _problems(text: str | None, registry: Mapping[str, OperationSpec]) -> tuple[Goal | None, list[str]]:
    if text is None:
        return None, ["the answer was empty"]
    try:
        goal = Goal.model_validate(parse_answer(text))
    except ValidationError as exc:
        return None, [f"{'.'.join(map(str, e['loc'])) or 'answer'}: {e['msg']}" for e in exc.errors()]
    except ValueError as exc:
        return None, [f"the answer is not the JSON asked for: {exc}"]
    return goal, name_problems(goal, registry)


async def _read(
    model: str, prompt: GoalPrompt, providers: ProviderSettings, registry: Mapping[str, OperationSpec]
) -> Reading:
    default_url, build = MODELS[model]
    base = providers.base_url(model, default_url)
    key = providers.api_key(model) or ""
    previous: str | None = None
    problems: list[str] = []
    async with HttpClient(max_connections=2, default_timeout_s=TIMEOUT_S) as client:
        for repairs in range(MAX_REPAIRS + 1):
            path, headers, body = build(prompt, key, previous=previous, problems=problems)
            try:
                response = await client.send(HttpRequest("POST", base + path, headers=headers, json=body))
                text = answer_text(model, response.json()) if response.status == 200 else None
            except (TransportError, MalformedBody) as exc:
                raise ApiError(
                    503, f"{model} did not answer the goal reading: {exc}", code="model_unavailable"
                ) from exc
            if response.status != 200:
                raise ApiError(
                    503,
                    f"{model} refused the goal reading with HTTP {response.status}",
                    code="model_unavailable",
                )
            goal, problems = _problems(text, registry)
            if goal is not None and not problems:
                return Reading(goal, model, repairs)
            previous = text or ""
    raise ApiError(
        422,
        f"{model}'s reading of the goal is still wrong after {MAX_REPAIRS} repairs: "
        f"{'; '.join(problems[:3])}. Send the goal in structured form instead.",
        code="goal_unreadable",
        details=[{"field": "goal", "message": problem} for problem in problems],
    )


def read_goal(
    text: str,
    *,
    entity_type: str,
    inputs: Sequence[str],
    providers: ProviderSettings,
    registry: Mapping[str, OperationSpec],
) -> Reading | None:
    """Read a plain-language goal with the configured model; None when no model has a key."""
    model = reading_model(providers)
    if model is None:
        return None
    prompt = GoalPrompt(
        goal=text,
        entity_type=entity_type,
        inputs=list(inputs),
        fields=vocabulary(registry),
        lists=list_operations(registry),
        search_parameters=search_parameters(registry),
    )
    return asyncio.run(_read(model, prompt, providers, registry))
