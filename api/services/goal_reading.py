"""Reading a plain-language goal into the structured form, with OpenAI or Gemini, whichever has a key.

The model is asked through the provider gateways, like any provider call (its `read_goal` action):
the rate limit it shares with running batches, retries on 429 and 5xx after their wait, the circuit
breaker, and the adapters' own reading of each provider's errors. The model's answer is held to the
registry's vocabulary (blueprints/vocabulary.py). An answer that names an unknown field, list or
parameter, or a malformed condition, is sent back with the problems found, at most twice; an answer
still wrong after that is refused, never planned or saved.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pydantic import ValidationError

from api.errors import ApiError
from blueprints.goal import Goal
from blueprints.vocabulary import list_operations, name_problems, search_parameters, vocabulary
from config import ProviderSettings
from operations.runtime import ProviderCaller
from operations.spec import OperationSpec
from providers._goal_prompts import GoalPrompt, goal_inputs, parse_answer
from providers.base import Outcome

MAX_REPAIRS = 2
MODELS = ("openai", "gemini")
READ_GOAL = "read_goal"


@dataclass(frozen=True, slots=True)
class Reading:
    """A goal as a model read it: the structured form, which model, and how many repair rounds it took."""

    goal: Goal
    model: str
    repairs: int
    cost_usd: float = 0.0


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
    model: str, prompt: GoalPrompt, caller: ProviderCaller, registry: Mapping[str, OperationSpec]
) -> Reading:
    previous: str | None = None
    problems: list[str] = []
    cost = 0.0
    for repairs in range(MAX_REPAIRS + 1):
        answer = await caller.call(
            model, READ_GOAL, goal_inputs(prompt, previous=previous, problems=problems)
        )
        cost += answer.cost_usd or 0.0
        if answer.outcome is Outcome.FOUND:
            text = str((answer.data or {}).get("answer") or "") or None
        elif answer.outcome is Outcome.NOT_FOUND:
            text = None  # an empty answer, a refusal: the model is told, as for a wrong one
        else:
            why = answer.message or answer.error_class or answer.outcome
            status = f" (HTTP {answer.http_status})" if answer.http_status else ""
            raise ApiError(503, f"{model} did not read the goal{status}: {why}", code="model_unavailable")
        goal, problems = _problems(text, registry)
        if goal is not None and not problems:
            return Reading(goal, model, repairs, round(cost, 6))
        previous = text or ""
    raise ApiError(
        422,
        f"{model}'s reading of the goal is still wrong after {MAX_REPAIRS} repairs: "
        f"{'; '.join(problems[:3])}. Send the goal in structured form instead.",
        code="goal_unreadable",
        details=[{"field": "goal", "message": problem} for problem in problems],
    )


async def read_goal(
    text: str,
    *,
    entity_type: str,
    inputs: Sequence[str],
    providers: ProviderSettings,
    registry: Mapping[str, OperationSpec],
    caller: ProviderCaller,
) -> Reading | None:
    """Read a plain-language goal with the configured model through caller; None when no model has a key."""
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
    return await _read(model, prompt, caller, registry)
