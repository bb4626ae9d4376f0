"""RevenueInfra ("HQ"): the operator's own service for company relations, VC funding and pricing pages.

No public documentation exists, so this docstring is THE CONTRACT we assume: correct it here first.

Known [code] (what the seed system sends, SEED: bencrane/data-engine-x-api,
`app/providers/revenueinfra/*.py`): base URL `https://api.revenueinfra.com`; every call is a JSON
`POST`; the paths and request fields below; the list keys and item fields of each answer, read at the
top level of the body beside `success: true` (the seed treated `success: false` as a failure); the
pricing answers read as `{<field>: value}` at the top level or under `data`; the seed's timeouts (180 s
for competitors, 30 s for the rest).

    action                 path                                                     request body
    competitors            /run/companies/parallel-task/competitors/infer/db-direct domain?, company_name?,
                                                                                    company_linkedin_url?
    similar_companies      /run/companies/db/similar-companies/list                 domain
    customers              /run/companies/db/company-customers/lookup               domain
    champions              /run/companies/db/case-study-champions/lookup            domain
    champion_testimonials  /run/companies/db/case-study-champions-detailed/lookup   domain
    alumni                 /run/companies/db/alumni/lookup                          past_company_domain
    vc_funding             /run/companies/db/has-raised-vc-status/check             domain
    pricing_<field>        /run/companies/gemini/<field with dashes>/infer          domain, pricing_page_url,
                                                                                    company_name?

(The seed fell back to `security-gating` and `annual-commitment` when the long classifier paths
answered 404; we call only the long ones.)

ASSUMED (nowhere documented; the sandbox speaks exactly this):
- Auth `Authorization: Bearer <key>` (the seed sent no credential at all).
- Success is HTTP 200 `{"success": true, "data": {...}}`; the parser also accepts the payload at the top
  level, as the seed read it. Payloads: `competitors: [{name, domain, linkedin_url}]`;
  `similar_companies: [{company_name, company_domain, company_linkedin_url, similarity_score}]`
  (+ `similar_count`); `customers: [{customer_name, customer_domain, customer_linkedin_url,
  origin_company_name, origin_company_domain}]`; `champions: [{full_name, job_title, company_name,
  company_domain, company_linkedin_url, case_study_url, linkedin_url}]` (+ `testimonial` from the
  detailed path); `alumni: [{full_name, linkedin_url, current_company_name, current_company_domain,
  current_company_linkedin_url, current_job_title, past_company_name, past_company_domain,
  past_job_title}]`; VC `{has_raised_vc, vc_count, vc_names, vcs: [{vc_name, vc_domain}], founded_date}`;
  pricing `{domain, pricing_page_url, <field>: value}` with string values (`yes`/`no`/…), and
  `number_of_tiers` a number or a label such as "4+"; `null` when the page does not tell.
- A company the service knows answers 200 even when its list is empty (found, with the empty list).
- Errors are `{"success": false, "error": {"code", "message"}}`: 404 `not_found` (unknown company, or
  a pricing page that is not that company's) → not found; 401 `unauthorized` → bad key; 402
  `insufficient_credits` → no credits; 422 `invalid_request` → bad input; 429 `rate_limited` with
  Retry-After and 5xx → retryable. A 404 without the `not_found` code (a wrong path, a proxy page) is a
  final provider error, never a miss. A 200 with `success: false` is classified by its code.
- Limits: 20 requests/s with 20 in flight (our assumption for an internal service).
- Cost: database lookups $0; competitors $0.01 (estimate: one Parallel `base` run when nothing is
  stored); each pricing analysis $0.001 (estimate: one small LLM call); charged on any 200 answer.
"""

from __future__ import annotations

from providers.base import Provider, RateLimit
from providers.revenueinfra import pricing, research
from providers.revenueinfra._common import BASE_URL, NAME

PROVIDER = Provider(
    name=NAME,
    base_url=BASE_URL,
    rate_limit=RateLimit(rate=20, concurrency=20),
    actions={**research.ACTIONS, **pricing.ACTIONS},
    docs="no public docs; paths and fields from the seed's client code, the rest assumed (package docstring)",
)
