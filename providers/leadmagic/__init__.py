"""LeadMagic: work emails, validation, mobiles, people at a company, company profiles and tech stacks.

Facts (shared PROVIDER_FACTS.md, LeadMagic section; leadmagic.io/docs; LeadMagic/leadmagic-openapi):
base `https://api.leadmagic.io`, every action a JSON `POST` under `/v1/…` with the key in the
`X-API-Key` header. Errors are RFC 9457 bodies `{success: false, errors[{type, title, status, code}]}`:
400 `validation_error`, 401 `missing_authentication`/`invalid_api_key`, 402 `insufficient_credits`,
404 `resource_not_found`/`profile_not_found` (a miss, not a failure), 429 `rate_limit_exceeded` with
`Retry-After` and `RateLimit-Limit/-Remaining/-Reset`, 500 "wait 30 seconds and retry", 502, 503.
Every answer carries `X-Credits-Remaining` and `credits_consumed`, which prices the call exactly.

Limits are per endpoint per minute: finder, validation, mobile and employee finder 3,000; role finder
and technographics 1,000; company search and profile search 500 (newer skill pages say 300 for the
people endpoints); account gateway 5,000/min on Standard plans. Each endpoint has its own lane in
the gateway: 3,000/min unless `path_limits` gives it its lower limit, and every request also counts
against the account's 5,000/min (`account_limit`), though the default "soft mode" only logs it.
`GET /v1/credits` (free, not rate-limited) answers the balance `{credits}`.
Price: about $0.0245 a credit ($49 for 2,000 on the Basic plan).
"""

from __future__ import annotations

from providers.base import CREDITS, Action, Build, Parse, Provider, RateLimit
from providers.leadmagic import companies, emails, people
from providers.leadmagic.protocol import BASE_URL, NAME, USD_PER_CREDIT, build_credits, parse_credits

__all__ = ["PROVIDER"]


def _action(name: str, build: Build, parse: Parse, credits: float, description: str) -> Action:
    return Action(
        provider=NAME,
        name=name,
        build=build,
        parse=parse,
        cost_usd=round(credits * USD_PER_CREDIT, 6),
        description=description,
    )


PROVIDER = Provider(
    name=NAME,
    base_url=BASE_URL,
    # Limits are per endpoint: 3,000/min for most, less for these four.
    rate_limit=RateLimit(rate=3000, per_seconds=60, concurrency=50),
    limit_per_path=True,
    account_limit=RateLimit(rate=5000, per_seconds=60),
    path_limits={
        "/v1/people/role-finder": RateLimit(rate=1000, per_seconds=60),
        companies.TECHNOGRAPHICS_PATH: RateLimit(rate=1000, per_seconds=60),
        "/v1/companies/company-search": RateLimit(rate=500, per_seconds=60),
        people.PROFILE_PATH: RateLimit(rate=500, per_seconds=60),
    },
    actions={
        action.name: action
        for action in (
            _action(
                "email_finder",
                emails.build_email_finder,
                emails.parse_email_finder,
                emails.FINDER_CREDITS,
                "Find a person's work email from their name and company.",
            ),
            _action(
                "email_validation",
                emails.build_email_validation,
                emails.parse_email_validation,
                emails.VALIDATION_CREDITS,
                "Validate one email address.",
            ),
            _action(
                "mobile_finder",
                people.build_mobile_finder,
                people.parse_mobile_finder,
                people.MOBILE_CREDITS,
                "Find a mobile number by LinkedIn profile or email.",
            ),
            _action(
                "role_finder",
                people.build_role_finder,
                people.parse_role_finder,
                people.ROLE_CREDITS,
                "Find who holds a job title at a company.",
            ),
            _action(
                "employee_finder",
                people.build_employee_finder,
                people.parse_employee_finder,
                people.EMPLOYEE_CREDITS * people.DEFAULT_EMPLOYEE_LIMIT,
                "List employees of a company.",
            ),
            _action(
                "b2b_profile",
                people.build_b2b_profile,
                people.parse_b2b_profile,
                people.PROFILE_CREDITS,
                "Enrich a person from their LinkedIn profile URL.",
            ),
            _action(
                "company_search",
                companies.build_company_search,
                companies.parse_company_search,
                companies.COMPANY_CREDITS,
                "Enrich a company by domain, LinkedIn page or name.",
            ),
            _action(
                "technographics",
                companies.build_technographics,
                companies.parse_technographics,
                companies.TECHNOGRAPHICS_CREDITS,
                "List the technologies a company uses.",
            ),
        )
    },
    credits=Action(NAME, CREDITS, build_credits, parse_credits, description="Credits left (free)."),
    credits_note="GET /v1/credits: {credits}",
    docs="leadmagic.io/docs (v1 reference), LeadMagic/leadmagic-openapi; PROVIDER_FACTS.md LeadMagic section",
)
