"""The pure estimator: waterfalls, history, fan-out ranges, freshness and stated defaults."""

from __future__ import annotations

import pytest

from operations.estimate import ActionHistory, FanOutHistory, History, OperationHistory, Range, estimate

MOBILE = [{"position": 1, "operation_id": "person.contact.resolve_mobile_phone"}]
SEARCH = [
    {"position": 1, "operation_id": "person.search", "fan_out": True, "step_config": {"max_results": 4}}
]


def calls_by_provider(steps: list[dict[str, object]], **kwargs: object) -> dict[str, Range]:
    found = estimate(steps, **kwargs)  # type: ignore[arg-type]
    return {p.provider: p.calls for p in found.steps[0].providers}


@pytest.mark.parametrize(
    ("keyed", "expected"),
    [
        # A first-success waterfall: the second provider is asked only for the first one's misses.
        (None, {"leadmagic": Range(1, 1, 1), "blitzapi": Range(0, 0.5, 1)}),
        # A provider without a key is never called.
        ({"blitzapi"}, {"leadmagic": Range(0, 0, 0), "blitzapi": Range(1, 1, 1)}),
    ],
)
def test_a_waterfall_without_history_uses_the_stated_defaults(
    keyed: set[str] | None, expected: dict[str, Range]
) -> None:
    assert calls_by_provider(MOBILE, keyed=keyed) == expected
    assumptions = estimate(MOBILE, keyed=keyed).assumptions
    assert any("no history" in line for line in assumptions)
    assert (keyed is not None) == any("leadmagic: no API key" in line for line in assumptions)


def test_history_sets_the_expected_calls_and_cost() -> None:
    past = OperationHistory(
        runs=100,
        found=40,
        failed=0,
        actions={
            ("leadmagic", "mobile_finder"): ActionHistory(100, 110, 20, 2.0, 0.1),
            ("blitzapi", "find_phone"): ActionHistory(80, 80, 20, 4.0, 0.05),
        },
    )
    found = estimate(MOBILE, History(operations={"person.contact.resolve_mobile_phone": past}), entities=10)
    leadmagic, blitzapi = found.steps[0].providers
    assert leadmagic.calls.expected == pytest.approx(11) and leadmagic.cost_usd.expected == pytest.approx(0.2)
    assert leadmagic.hit_rate == pytest.approx(0.2) and leadmagic.source == "history"
    assert blitzapi.calls.expected == pytest.approx(8) and blitzapi.cost_usd.expected == pytest.approx(0.4)
    assert found.cost_per_entity.expected == pytest.approx(0.06)
    assert found.assumptions == []


@pytest.mark.parametrize(
    ("history", "per_parent"),
    [
        (History(), Range(0, 2, 4)),  # half of max_results, stated
        (History(fan_outs={"person.search": FanOutHistory(20, 50, 1, 4)}), Range(1, 2.5, 4)),
        (History(fan_outs={"person.search": FanOutHistory(5, 50, 1, 4)}), Range(0, 2, 4)),  # too few
    ],
)
def test_a_fan_out_is_ranged_from_max_results(history: History, per_parent: Range) -> None:
    found = estimate(SEARCH, history, entities=10)
    assert found.steps[0].children_per_parent == per_parent
    assert found.steps[0].children == Range(
        10 * per_parent.low, 10 * per_parent.expected, 10 * per_parent.high
    )


def test_fresh_entities_are_not_executed() -> None:
    found = estimate(MOBILE, entities=10, fresh={1: 4})
    assert found.fresh_entities == 4 and found.steps[0].executed == Range(6, 6, 6)


def test_an_unknown_operation_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown operation"):
        estimate([{"position": 1, "operation_id": "no.such.thing"}])
