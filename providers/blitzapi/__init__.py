"""BlitzAPI: LinkedIn-keyed enrichment (work email, phone, company, domain <-> page) and people search.

Facts (shared PROVIDER_FACTS.md, BlitzAPI section; docs.blitz-api.ai; the official SDK
api-blitz/blitz-api-py): base `https://api.blitz-api.ai`, key in the `x-api-key` header, JSON
`POST`s under `/v2/…` (key info is a `GET`). Enrichment misses are HTTP 200 `found: false`; company
enrichment answers 404 instead. 401 bad key, 402 out of credits (records), 404 also "key does not
exist", 422 `INVALID_INPUT`, 429 rate limited, 5xx.

Limit: 5 requests/s per key *and per endpoint* on every plan (`key-info.max_requests_per_seconds`;
Start plans advertise 10/s, Scale 25/s). Every endpoint gets its own lane at that rate in the gateway;
concurrency stays one cap for the key.
Price: plans are flat now (Start $99/month for 200k records of fair use); older docs priced each
call in credits (email 1, phone 5, domain-to-linkedin 1, linkedin-to-domain 0.5). `cost_usd` values
those credits at one record each, $99 / 200,000 = $0.000495.
"""

from __future__ import annotations

from providers.base import CREDITS, Action, Build, Parse, Provider, RateLimit
from providers.blitzapi import enrichment, search
from providers.blitzapi.protocol import BASE_URL, NAME, cost

__all__ = ["PROVIDER"]


def _action(name: str, build: Build, parse: Parse, credits: float, description: str) -> Action:
    return Action(
        provider=NAME, name=name, build=build, parse=parse, cost_usd=cost(credits), description=description
    )


PROVIDER = Provider(
    name=NAME,
    base_url=BASE_URL,
    rate_limit=RateLimit(rate=5, per_seconds=1, concurrency=5),
    limit_per_path=True,  # the limit is per key *and per endpoint*
    actions={
        action.name: action
        for action in (
            _action(
                "find_work_email",
                enrichment.build_find_work_email,
                enrichment.parse_find_work_email,
                enrichment.EMAIL_CREDITS,
                "Find a person's work email from their LinkedIn profile.",
            ),
            _action(
                "find_phone",
                enrichment.build_find_phone,
                enrichment.parse_find_phone,
                enrichment.PHONE_CREDITS,
                "Find a person's phone number from their LinkedIn profile.",
            ),
            _action(
                "enrich_company",
                enrichment.build_enrich_company,
                enrichment.parse_enrich_company,
                enrichment.COMPANY_CREDITS,
                "Enrich a company from its LinkedIn page.",
            ),
            _action(
                "domain_to_linkedin",
                enrichment.build_domain_to_linkedin,
                enrichment.parse_domain_to_linkedin,
                enrichment.DOMAIN_TO_LINKEDIN_CREDITS,
                "Find a company's LinkedIn page from its domain.",
            ),
            _action(
                "linkedin_to_domain",
                enrichment.build_linkedin_to_domain,
                enrichment.parse_linkedin_to_domain,
                enrichment.LINKEDIN_TO_DOMAIN_CREDITS,
                "Find a company's email domain from its LinkedIn page.",
            ),
            _action(
                "search_companies",
                search.build_search_companies,
                search.parse_search_companies,
                search.CREDITS_PER_RESULT * search.DEFAULT_MAX_RESULTS,
                "Search companies by keywords and firmographic filters.",
            ),
            _action(
                "employee_finder",
                search.build_employee_finder,
                search.parse_employee_finder,
                search.CREDITS_PER_RESULT * search.DEFAULT_MAX_RESULTS,
                "List a company's employees by level, function and country.",
            ),
            _action(
                "waterfall_icp",
                search.build_waterfall_icp,
                search.parse_waterfall_icp,
                search.CREDITS_PER_RESULT * search.DEFAULT_MAX_RESULTS,
                "Find a company's best-matching people through a cascade of title tiers.",
            ),
            _action(
                "key_info",
                search.build_key_info,
                search.parse_key_info,
                0,
                "Read the key's limits and credits.",
            ),
        )
    },
    credits=Action(
        NAME, CREDITS, search.build_key_info, search.parse_credits, description="The key's credits (free)."
    ),
    credits_note="GET /v2/account/key-info: remaining_credits",
    docs="docs.blitz-api.ai, api-blitz/blitz-api-py; PROVIDER_FACTS.md BlitzAPI section",
)
