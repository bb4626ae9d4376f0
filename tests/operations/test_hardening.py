"""Every operation, given a large noisy context, neither crashes nor sends garbage to a provider."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from cluster.gateway import GatewayPool
from operations.registry import all_operations
from operations.spec import OperationStatus
from providers.base import ProviderResult
from providers.sandbox.world import World
from tests.operations.conftest import run_op


def _noise() -> dict[str, Any]:
    return {
        **{f"unrelated_{i}": {"nested": [i, None, {"deep": "x" * 50}]} for i in range(200)},
        "company_domain": {"value": "acme.com"},
        "company_name": ["Acme", "Inc"],
        "first_name": 42,
        "last_name": None,
        "full_name": {"first": "Jane"},
        "email": ["jane@acme.com"],
        "work_email": 3.14,
        "linkedin_url": {"url": "https://linkedin.com/in/x"},
        "company_linkedin_url": 7,
        "job_title": {"title": "CEO"},
        "max_results": "lots",
        "results": "not a list",
        "step_config": {"max_results": -5},
        "cumulative_context": {"company_domain": "evil.com"},
        "pricing_page_url": ["https://x.com/pricing"],
        "query": {"$ne": None},
    }


class GuardedCaller:
    """Passes calls through, after checking that no input is garbage."""

    def __init__(self, inner: GatewayPool) -> None:
        self.inner = inner
        self.calls: list[tuple[str, str, dict[str, Any]]] = []

    async def call(self, provider: str, action: str, inputs: Mapping[str, Any]) -> ProviderResult:
        self.calls.append((provider, action, dict(inputs)))
        for key, value in inputs.items():
            _assert_clean(f"{provider}.{action}.{key}", value)
        return await self.inner.call(provider, action, inputs)


def _assert_clean(where: str, value: Any, depth: int = 0) -> None:
    assert depth < 6, f"{where}: nested too deep"
    if isinstance(value, str):
        assert value.strip() == value and value, f"{where}: blank or untrimmed text {value!r}"
        assert not value.startswith(("{", "[", "(")) and "object at 0x" not in value, (
            f"{where}: a repr {value!r}"
        )
        assert len(value) <= 5000, f"{where}: oversized text"
    elif isinstance(value, list):
        for item in value:
            _assert_clean(where, item, depth + 1)
    elif isinstance(value, dict):
        for key, item in value.items():
            _assert_clean(f"{where}.{key}", item, depth + 1)
    else:
        assert value is None or isinstance(value, bool | int | float), f"{where}: {type(value).__name__}"


@pytest.mark.parametrize("operation_id", sorted(all_operations()))
async def test_noise_alone_never_crashes_or_leaks(operation_id: str, pool: GatewayPool) -> None:
    caller = GuardedCaller(pool)
    result = await run_op(
        caller, operation_id, _noise(), params={"max_results": "many", "condition": {"x": 1}}
    )
    assert result.status in set(OperationStatus)
    assert result.error is None or result.error["code"] != "operation_error", result.error


@pytest.mark.parametrize("operation_id", sorted(all_operations()))
async def test_noise_around_real_inputs_still_works(
    operation_id: str, pool: GatewayPool, world: World
) -> None:
    domain = world.sample_domains(1, seed_offset=11)[0]
    company = world.company(domain)
    assert company is not None
    person = world.people(domain)[0]
    real = {
        "company_domain": f"https://www.{domain}/about?x=1",
        "company_name": company.name,
        "company_linkedin_url": company.linkedin_url,
        "first_name": person.first_name,
        "last_name": person.last_name,
        "full_name": person.full_name,
        "linkedin_url": person.linkedin_url,
        "email": person.work_email,
        "job_title": person.title,
        "pricing_page_url": company.pricing_page_url,
        "keyword": company.name,
        "platform": "shopify",
    }
    caller = GuardedCaller(pool)
    context = {**_noise(), **{k: v for k, v in real.items() if v is not None}}
    result = await run_op(caller, operation_id, context)
    assert result.error is None or result.error["code"] != "operation_error", result.error
    assert result.status in set(OperationStatus)
    for _, _, inputs in caller.calls:
        for key in ("company_domain", "domain"):
            if key in inputs:
                assert inputs[key] == domain, f"{operation_id} sent {key}={inputs[key]!r}"
