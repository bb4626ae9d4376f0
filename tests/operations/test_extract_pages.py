"""Pricing and G2 pages read into facts: every sandbox layout against the world's truth, and the accuracy."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from operations.registry import get_operation
from operations.runtime import OpResult, run_operation
from operations.spec import OperationStatus
from providers.sandbox.web_pages import (
    G2_LAYOUTS,
    PRICING_LAYOUTS,
    G2Truth,
    PricingTruth,
    g2_truth,
    pricing_truth,
)
from providers.sandbox.world import World
from providers.web import fetcher
from tests.support.sandbox import COMPANIES, SEED
from tests.support.web import AsgiWebCaller, priced_companies, sandbox_client

SAMPLE = 300  # companies of the world looked at for the accuracy figures
PRICING_FIELDS = ("name", "price", "currency", "billing_period", "unit", "contact_sales")


@pytest.fixture(scope="module")
def web_world() -> World:
    return World(seed=SEED, company_count=COMPANIES)


@pytest.fixture(autouse=True)
def sandboxed_web(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The operations' process client, pointed at the sandboxed web (no politeness wait)."""
    monkeypatch.setattr(fetcher, "_CLIENT", sandbox_client())
    yield


async def _run(
    world: World, operation: str, context: dict[str, Any], *, keyed: tuple[str, ...] = ("openai", "gemini")
) -> tuple[OpResult, AsgiWebCaller]:
    spec = get_operation(operation)
    assert spec is not None
    caller = AsgiWebCaller(world, keyed)
    return await run_operation(spec, context, caller=caller), caller


def _pricing_score(output: dict[str, Any] | None, truth: PricingTruth) -> tuple[int, int]:
    """Return (fields right, fields present) of an extraction against the page's truth."""
    present = right = 0
    plans = (output or {}).get("plans") or []
    for position, plan in enumerate(truth.plans):
        got = plans[position] if position < len(plans) else {}
        for name, value in plan.facts().items():
            present += 1
            right += got.get(name) == value
    wanted = {
        "free_tier": truth.free_tier,
        "free_trial": truth.free_trial,
        "enterprise_contact": truth.enterprise_contact,
        "plan_count": len(truth.plans),
    }
    if truth.trial_days is not None:
        wanted["trial_days"] = truth.trial_days
    for name, value in wanted.items():
        present += 1
        right += (output or {}).get(name) == value
    return right, present


def _g2_score(output: dict[str, Any] | None, truth: G2Truth) -> tuple[int, int]:
    got = output or {}
    wanted = {
        "rating": truth.rating,
        "review_count": truth.review_count,
        "categories": list(truth.categories),
        "alternatives": list(truth.alternatives),
    }
    return sum(got.get(k) == v for k, v in wanted.items()), len(wanted)


@pytest.mark.parametrize("layout", PRICING_LAYOUTS)
async def test_every_pricing_layout_reads_as_the_world_says(web_world: World, layout: str) -> None:
    for company in priced_companies(web_world, 3, layout):
        truth = pricing_truth(web_world, company)
        assert truth is not None
        result, caller = await _run(
            web_world, "company.research.extract_pricing", {"pricing_page_url": company.pricing_page_url}
        )
        assert result.status is OperationStatus.FOUND, result.error
        assert result.output is not None
        assert result.output["plans"] == [p.facts() for p in truth.plans]
        right, present = _pricing_score(result.output, truth)
        assert right == present
        assert result.output["sources"]["free_trial"] == "text"
        # Each request of the fetch is an attempt of the run, as the journal keeps them.
        if layout == "prose":
            # Only a model reads plans said in sentences: it is asked for them and what comes with them.
            assert caller.asked() == [("openai", ["plans", "free_tier", "enterprise_contact"])]
            assert {result.output["sources"][k] for k in ("plans", "free_tier")} == {"model:openai"}
            assert [(a.provider, a.action) for a in result.attempts][-1] == ("openai", "read_page")
        else:
            assert caller.asked() == []
            assert result.output["sources"]["plans"] == layout
            assert not any(v.startswith("model") for v in result.output["sources"].values())
            assert [a.action for a in result.attempts][-1] == "fetch_page"
            assert {a.provider for a in result.attempts} == {"web"}


@pytest.mark.parametrize("layout", G2_LAYOUTS)
async def test_every_g2_layout_reads_as_the_world_says(web_world: World, layout: str) -> None:
    checked = 0
    for index in range(web_world.company_count):
        company = web_world.company_at(index)
        truth = g2_truth(web_world, company)
        if truth is None or truth.layout != layout:
            continue
        result, _ = await _run(web_world, "company.research.extract_g2", {"g2_url": company.g2_url})
        assert result.status is OperationStatus.FOUND, result.error
        assert _g2_score(result.output, truth) == (4, 4), (result.output, truth)
        assert result.output is not None
        expected = {"json_ld": "json_ld", "text": "text", "prose": "model:openai"}[layout]
        assert result.output["sources"]["rating"] == expected
        checked += 1
        if checked == 3:
            break
    assert checked == 3


async def test_a_domain_alone_tries_its_pricing_path_and_follows_the_redirect(web_world: World) -> None:
    company = next(
        c for c in priced_companies(web_world, 40) if (t := pricing_truth(web_world, c)) and t.redirected
    )
    result, caller = await _run(
        web_world, "company.research.extract_pricing", {"company_domain": company.domain}
    )
    assert result.status is OperationStatus.FOUND and result.output is not None
    assert result.output["pricing_page_url"] == f"https://{company.domain}/pricing"
    assert result.output["final_url"] == f"https://{company.domain}/plans"
    assert result.output["fetched_at"] is not None
    assert caller.pages_fetched() == [301, 200]


async def test_a_page_robots_txt_disallows_is_not_read(web_world: World) -> None:
    company = next(
        web_world.company_at(i)
        for i in range(web_world.company_count)
        if (t := pricing_truth(web_world, web_world.company_at(i))) and t.robots_blocked
    )
    result, caller = await _run(
        web_world, "company.research.extract_pricing", {"company_domain": company.domain}
    )
    assert result.status is OperationStatus.FAILED and "robots.txt" in (result.error or {}).get("message", "")
    assert caller.pages_fetched() == []


def _needed_model(result: OpResult) -> bool:
    sources = (result.output or {}).get("sources") or {}
    return any(str(v).startswith("model:") for v in sources.values())


async def test_without_a_model_key_prose_plans_fail_saying_which_key_reads_them(
    web_world: World,
) -> None:
    company = priced_companies(web_world, 1, "prose")[0]
    url = company.pricing_page_url
    result, caller = await _run(
        web_world, "company.research.extract_pricing", {"pricing_page_url": url}, keyed=()
    )
    assert result.status is OperationStatus.FAILED
    assert "OPENAI_API_KEY or GEMINI_API_KEY" in (result.error or {}).get("message", "")
    assert caller.asked() == [] and caller.pages_fetched() == [200]


async def test_the_second_model_reads_when_the_first_has_no_key(web_world: World) -> None:
    company = priced_companies(web_world, 1, "prose")[0]
    truth = pricing_truth(web_world, company)
    assert truth is not None
    result, caller = await _run(
        web_world,
        "company.research.extract_pricing",
        {"pricing_page_url": company.pricing_page_url},
        keyed=("gemini",),
    )
    assert result.status is OperationStatus.FOUND and result.output is not None
    assert result.output["plans"] == [p.facts() for p in truth.plans]
    assert result.output["sources"]["plans"] == "model:gemini"
    assert caller.asked() == [("gemini", ["plans", "free_tier", "enterprise_contact"])]


async def test_a_g2_page_asks_the_model_only_for_what_its_markup_lacks(web_world: World) -> None:
    for layout, asked in (
        ("json_ld", []),
        ("prose", ["rating", "review_count", "categories", "alternatives"]),
    ):
        company = next(
            c for c in web_world.companies() if (t := g2_truth(web_world, c)) and t.layout == layout
        )
        result, caller = await _run(web_world, "company.research.extract_g2", {"g2_url": company.g2_url})
        assert result.status is OperationStatus.FOUND
        assert caller.asked() == ([("openai", asked)] if asked else [])


async def test_accuracy_over_the_sandbox_pages(web_world: World, capsys: pytest.CaptureFixture[str]) -> None:
    right = present = pages = by_model = 0
    g2_right = g2_present = g2_pages = g2_by_model = 0
    for index in range(SAMPLE):
        company = web_world.company_at(index)
        truth = pricing_truth(web_world, company)
        if truth is not None and not truth.robots_blocked:
            result, _ = await _run(
                web_world, "company.research.extract_pricing", {"company_domain": company.domain}
            )
            got, of = _pricing_score(result.output, truth)
            right, present, pages = right + got, present + of, pages + 1
            by_model += _needed_model(result)
        g2 = g2_truth(web_world, company)
        if g2 is not None:
            result, _ = await _run(web_world, "company.research.extract_g2", {"g2_url": company.g2_url})
            got, of = _g2_score(result.output, g2)
            g2_right, g2_present, g2_pages = g2_right + got, g2_present + of, g2_pages + 1
            g2_by_model += _needed_model(result)
    with capsys.disabled():
        print(
            f"\npricing pages: {pages}, accuracy {right}/{present} = {right / present:.3f}, "
            f"needed the model: {by_model}/{pages}"
            f"\nG2 pages: {g2_pages}, accuracy {g2_right}/{g2_present} = {g2_right / g2_present:.3f}, "
            f"needed the model: {g2_by_model}/{g2_pages}"
        )
    assert pages >= 80 and g2_pages >= 50
    # The prose layouts (a fifth of pricing pages, a third of G2 pages) need it; the others never.
    assert 0.1 < by_model / pages < 0.3 and 0.2 < g2_by_model / g2_pages < 0.5
    assert right / present >= 0.98 and g2_right / g2_present >= 0.98
