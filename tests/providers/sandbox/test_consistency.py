"""The same fact answers the same way from every provider that knows it; each knows a different subset."""

from __future__ import annotations

from typing import Any

from providers.execute import execute
from providers.http import HttpClient
from providers.registry import get_provider
from providers.sandbox.server import SandboxServer
from providers.sandbox.world import World
from tests.support.sandbox import sandbox_endpoint

COMPANY_ENRICHERS = {
    "prospeo": ("enrich_company", "company_domain"),
    "companyenrich": ("enrich_company", "company_domain"),
    "leadmagic": ("company_search", "company_domain"),
    "blitzapi": ("enrich_company", "company_linkedin_url"),
}
FACTS = ("company_name", "company_domain", "company_linkedin_url", "founded_year", "hq_country_code")


async def _profile(sandbox: SandboxServer, client: HttpClient, provider: str, inputs: dict[str, Any]) -> Any:
    action_name, _ = COMPANY_ENRICHERS[provider]
    action = get_provider(provider).actions[action_name]
    return await execute(action, inputs, endpoint=sandbox_endpoint(sandbox, provider), client=client)


async def test_company_facts_agree_across_providers(
    sandbox: SandboxServer, world: World, client: HttpClient
) -> None:
    domain = next(d for d in world.sample_domains(500) if all(world.knows(p, d) for p in COMPANY_ENRICHERS))
    company = world.company(domain)
    assert company is not None
    answers = {}
    for provider, (_, key) in COMPANY_ENRICHERS.items():
        value = company.linkedin_url if key == "company_linkedin_url" else domain
        result = await _profile(sandbox, client, provider, {key: value})
        assert result.data is not None, (provider, result.outcome, result.message)
        answers[provider] = result.data
    for fact in FACTS:
        values = {p: answers[p].get(fact) for p in answers if answers[p].get(fact) is not None}
        assert len(set(map(str, values.values()))) <= 1, (fact, values)
    assert all(a.get("company_name") == company.name for a in answers.values())
    employee_counts = {
        p: a.get("employee_count") for p, a in answers.items() if isinstance(a.get("employee_count"), int)
    }
    assert set(employee_counts.values()) <= {company.employee_count}, employee_counts


async def test_each_provider_knows_a_different_subset(
    sandbox: SandboxServer, world: World, client: HttpClient
) -> None:
    domains = world.sample_domains(60, seed_offset=3)
    known: dict[str, set[str]] = {}
    for provider in ("prospeo", "companyenrich", "leadmagic"):
        known[provider] = set()
        for domain in domains:
            result = await _profile(sandbox, client, provider, {"company_domain": domain})
            if result.data is not None:
                known[provider].add(domain)
        assert known[provider] == {d for d in domains if world.knows(provider, d)}
        assert 0.3 * len(domains) < len(known[provider]) < len(domains)
    assert len({frozenset(k) for k in known.values()}) == 3, "the providers' coverage differs"
