"""`dex blueprints assemble`: a structured goal planned and explained, refused plainly, stored with --save."""

from __future__ import annotations

import json

from sqlalchemy import Engine

from cli import blueprints as blueprints_cli
from config import Settings
from tests.cli.test_blueprint_commands import invoke

GOAL = json.dumps(
    {
        "outputs": ["work_email", "email_status"],
        "conditions": [{"field": "employee_count", "op": "gte", "value": 50}],
        "search": {"job_title": "VP of Sales"},
        "limits": {"max_results": 3},
    }
)


def test_a_structured_goal_prints_each_step_and_why_the_cost_and_the_fields(
    settings: Settings, engine: Engine
) -> None:
    result = invoke(blueprints_cli.app, settings, "assemble", GOAL, "--inputs", "company_domain,company_name")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "2. person.search (person)  fan-out results -> person" in out
    assert out.count("why: ") == 4 and "the condition reads it" in out
    assert "estimated cost per entity (low / expected / high): $" in out
    assert "work_email (person): step 3" in out or "work_email (person): step 4" in out
    assert "cannot do:" not in out


def test_json_output_is_the_apis_answer(settings: Settings, engine: Engine) -> None:
    result = invoke(blueprints_cli.app, settings, "assemble", GOAL, "--inputs", "company_domain", "--json")
    assert result.exit_code == 0, result.output
    answer = json.loads(result.output)
    assert answer["blueprint"]["entity_inputs"] == ["company_domain"] and answer["saved"] is None
    assert [s["position"] for s in answer["steps"]] == [1, 2, 3, 4]


def test_what_it_cannot_do_is_said(settings: Settings, engine: Engine) -> None:
    goal = json.dumps({"outputs": ["technologies", "wrk_email"]})
    result = invoke(blueprints_cli.app, settings, "assemble", goal, "--inputs", "company_domain")
    assert result.exit_code == 0, result.output
    assert (
        "cannot do:\n  - output 'wrk_email' is not in the registry (did you mean work_email" in result.output
    )


def test_an_impossible_goal_and_a_plain_one_without_a_model_fail_in_one_line(
    settings: Settings, engine: Engine
) -> None:
    impossible = json.dumps({"outputs": ["annual_card_revenue"]})
    result = invoke(
        blueprints_cli.app,
        settings,
        "assemble",
        impossible,
        "--inputs",
        "full_name",
        "--entity-type",
        "person",
    )
    assert result.exit_code == 1 and "Nothing in this goal can be planned" in result.output
    providers = settings.providers.model_copy(update={"openai_api_key": None, "gemini_api_key": None})
    no_model = settings.model_copy(update={"providers": providers})
    plain = invoke(blueprints_cli.app, no_model, "assemble", "find their CFO", "--inputs", "company_domain")
    assert plain.exit_code == 1 and "Send the goal in structured form instead" in plain.output
    bad = invoke(blueprints_cli.app, settings, "assemble", "{not json", "--inputs", "company_domain")
    assert bad.exit_code == 1 and "the goal looks like JSON but is not" in bad.output


def test_save_stores_it_in_the_local_tenant_for_dex_enrich(settings: Settings, engine: Engine) -> None:
    result = invoke(
        blueprints_cli.app, settings, "assemble", GOAL, "--inputs", "company_domain", "--save", "vp-sales"
    )
    assert result.exit_code == 0, result.output
    assert "saved as blueprint 'vp-sales'" in result.output
    shown = invoke(blueprints_cli.app, settings, "show", "vp-sales")
    assert (
        shown.exit_code == 0
        and "person.search" in shown.output
        and "entity inputs: company_domain" in shown.output
    )
    again = invoke(
        blueprints_cli.app, settings, "assemble", GOAL, "--inputs", "company_domain", "--save", "vp-sales"
    )
    assert again.exit_code == 1, again.output


def test_a_plain_language_goal_is_read_by_the_model_and_repaired_when_it_must(
    settings: Settings, engine: Engine
) -> None:
    goal = "the direct dial of the CFO of each company with more than 200 employees, up to 2 each"
    result = invoke(blueprints_cli.app, settings, "assemble", goal, "--inputs", "company_domain")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("openai read the goal after 1 repair(s) as: ")
    assert '"outputs": ["mobile_phone"]' in result.output and '"op": "gt", "value": 200' in result.output
    assert "mobile_phone (person): step" in result.output
