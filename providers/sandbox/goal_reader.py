"""The sandbox models' reading of an enrichment goal: keywords to the structured answer, deterministically.

A stand-in for what OpenAI or Gemini answer to providers/_goal_prompts.py's prompt, in its schema, for a
known set of phrasings: emails (verified or not), phones, technologies, funding, LinkedIn profiles;
"under N employees" and the like as conditions; VP / Head of / C-level titles as the search; "up to N"
as max_results; "last N days" as freshness; competitors as the list. Two phrasings exercise repair: a
"direct dial" is first answered as the unknown field `direct_dial`, and `mobile_phone` once the
problems come back; a "fax number" stays `fax_number` however often it is sent back.
"""

from __future__ import annotations

import json
import re
from typing import Any

from providers._goal_prompts import PROBLEMS_LINE

_GOAL = re.compile(r"^Goal: (.*)$", re.MULTILINE)
_TITLE = re.compile(
    r"\b(VP of \w+|Vice President of \w+|Head of \w+|Chief \w+ Officer|CEO|CFO|CTO|CRO|CMO|COO|Founder)\b"
)
_SMALLER = re.compile(r"\b(?:under|fewer than|less than|below)\s+(\d+)\s+(?:employees|people|staff)")
_LARGER = re.compile(r"\b(?:over|more than|above)\s+(\d+)\s+(?:employees|people|staff)")
_AT_LEAST = re.compile(r"\bat least\s+(\d+)\s+(?:employees|people|staff)")
_MAX = re.compile(r"\b(?:up to|top|at most)\s+(\d+)\b")
_DAYS = re.compile(r"\blast\s+(\d+)\s+days\b")
_PERSON_FIELDS = {"work_email", "email_status", "mobile_phone", "direct_dial", "fax_number", "linkedin_url"}


def _outputs(goal: str, repairing: bool) -> list[str]:
    text = goal.lower()
    outputs: list[str] = []
    if "email" in text:
        outputs.append("work_email")
        if "verified" in text or "verify" in text:
            outputs.append("email_status")
    if "direct dial" in text:
        outputs.append("mobile_phone" if repairing else "direct_dial")
    elif "phone" in text or "mobile" in text:
        outputs.append("mobile_phone")
    if "fax" in text:
        outputs.append("fax_number")
    if "linkedin" in text:
        outputs.append("linkedin_url")
    if "technolog" in text or "tech stack" in text:
        outputs.append("technologies")
    if "funding" in text or "venture" in text:
        outputs.append("has_raised_vc")
    if "headcount" in text or "how many employees" in text:
        outputs.append("employee_count")
    return outputs


def read_goal_answer(conversation: str) -> dict[str, Any] | None:
    """Answer a goal-reading conversation in the schema asked for, or None when it holds no goal."""
    found = _GOAL.search(conversation)
    if found is None:
        return None
    goal = found.group(1)
    repairing = PROBLEMS_LINE in conversation
    outputs = _outputs(goal, repairing)
    conditions = []
    for pattern, op in ((_SMALLER, "gte"), (_AT_LEAST, "gte"), (_LARGER, "gt")):
        if match := pattern.search(goal.lower()):
            conditions.append({"field": "employee_count", "op": op, "value": match.group(1)})
    title = _TITLE.search(goal)
    competitors = "competitor" in goal.lower()
    people = bool(title) or bool(_PERSON_FIELDS.intersection(outputs))
    limit, days = _MAX.search(goal.lower()), _DAYS.search(goal.lower())
    return {
        "outputs": outputs,
        "conditions": conditions,
        "each": "person" if people else "company" if competitors else None,
        "via": "company.research.discover_competitors" if competitors and not people else None,
        "search": [{"name": "job_title", "value": title.group(1)}] if title else [],
        "max_results": int(limit.group(1)) if limit else None,
        "max_age_hours": int(days.group(1)) * 24 if days else None,
    }


def answer_json(conversation: str) -> str | None:
    """Return the answer as the JSON text a model sends, or None when the conversation holds no goal."""
    answer = read_goal_answer(conversation)
    return None if answer is None else json.dumps(answer)
