"""The micro-operations: single-field resolutions by one Parallel task run, as a table.

The old system served 19 Parallel-backed endpoints from a separate app (SYSTEM_OVERVIEW "Modal
Micro-Operations"). Each resolution is one operation here, and each endpoint one of its input variants;
the operation runs the richest variant the inputs allow (variants are listed richest first):

company.resolve.linkedin_url    find-linkedin-url-by-name-and-domain, find-linkedin-url-by-domain
company.resolve.name            find-name-by-domain, find-name-by-linkedin-url
company.resolve.domain          find-domain-by-name-and-linkedin-url, find-domain-by-linkedin-url
company.resolve.description     find-description-by-name-and-domain, find-description-by-domain
company.resolve.hq_location     find-hq-location-by-name-and-domain, find-hq-location-by-domain
company.resolve.employee_range  find-employee-range-by-name-domain-and-linkedin-url
person.resolve.linkedin_url     find-linkedin-url-by-full-name-company-name-and-company-domain,
                                find-linkedin-url-by-name-and-company
person.resolve.work_email       find-work-email-by-full-name-company-name-company-domain-and-linkedin-url,
                                find-work-email-by-full-name-company-name-and-company-domain,
                                find-email-by-name-and-company; plus name+domain and LinkedIn URL alone
                                (added: the spec counts four work-email variants)
person.resolve.email_and_linkedin
                                find-work-email-and-linkedin-url-by-full-name-company-name-and-company-domain,
                                find-email-and-linkedin-url-by-full-name-and-company-name
person.resolve.location         find-location-by-full-name-and-linkedin-url

That is 11 company and 8 person endpoints. The default processor of each variant is the old endpoint's
(lite for names, descriptions by domain and HQ locations; base elsewhere), except the four-input work
email: the old endpoint used pro, but here the richest variant is picked whenever a LinkedIn URL happens to
be in the context, and a silent 10x price (and minutes-long runs) is no default. A step's `processor`
parameter overrides the default. Outputs carry the canonical field names, the weakest confidence
Parallel gave for them and `source_provider: "parallel"`. Specs list their variants in `extra`.
"""

from __future__ import annotations

from operations.contracts.micro import (
    CompanyDescriptionOutput,
    CompanyDomainOutput,
    CompanyEmployeeRangeOutput,
    CompanyHqLocationOutput,
    CompanyLinkedinUrlOutput,
    CompanyNameOutput,
    PersonEmailAndLinkedinOutput,
    PersonLinkedinUrlOutput,
    PersonLocationOutput,
    PersonWorkEmailOutput,
)
from operations.inputs import clean_text, normalize_domain, normalize_email
from operations.micro.runner import (
    Field,
    MicroOp,
    Variant,
    company_linkedin,
    long_text,
    person_linkedin,
    short_text,
)


def _name(value: object) -> str | None:
    return clean_text(value, 200)


COMPANY_LINKEDIN = Field(
    "company_linkedin_url",
    "The URL of the company's official LinkedIn page (https://www.linkedin.com/company/...). "
    "Leave empty unless the page is clearly this company's.",
    company_linkedin,
)
COMPANY_NAME = Field(
    "company_name", "The company's official name, as on its website or LinkedIn page.", _name
)
COMPANY_DOMAIN = Field(
    "company_domain",
    "The company's primary website domain, e.g. example.com (no scheme or path).",
    normalize_domain,
)
DESCRIPTION = Field(
    "description",
    "A 2-4 sentence summary of what the company does: its products, services and customers. "
    "Leave empty if no reliable source describes it.",
    long_text,
)
HQ_LOCATION = Field(
    "hq_location", "The company's headquarters as 'City, State or Region, Country code'.", short_text
)
EMPLOYEE_RANGE = Field(
    "employee_range",
    "The company's headcount range as LinkedIn shows it: 1-10, 11-50, 51-200, 201-500, 501-1000, "
    "1001-5000, 5001-10000 or 10001+.",
    short_text,
)
PERSON_LINKEDIN = Field(
    "linkedin_url",
    "The URL of this person's LinkedIn profile (https://www.linkedin.com/in/...). "
    "Leave empty unless the profile is clearly this person at this company.",
    person_linkedin,
)
WORK_EMAIL = Field(
    "work_email",
    "The person's current work email address at this company. "
    "Leave empty unless it is published or confirmed by a reliable source.",
    normalize_email,
)
EMAIL = Field(
    "email",
    "The person's current work email address at this company. "
    "Leave empty unless it is published or confirmed by a reliable source.",
    normalize_email,
)
LOCATION = Field(
    "location",
    "Where the person is based, as 'City, Country code' (from their LinkedIn profile).",
    short_text,
)

NAME, DOMAIN, LINKEDIN = "company_name", "company_domain", "company_linkedin_url"
PERSON, PERSON_URL = "full_name", "linkedin_url"

MICRO_OPS = (
    MicroOp(
        "company.resolve.linkedin_url",
        "Find a company's LinkedIn page from its domain (and name) with a Parallel research task.",
        CompanyLinkedinUrlOutput,
        (COMPANY_LINKEDIN,),
        (
            Variant("/company/find-linkedin-url-by-name-and-domain", (NAME, DOMAIN)),
            Variant("/company/find-linkedin-url-by-domain", (DOMAIN,)),
        ),
    ),
    MicroOp(
        "company.resolve.name",
        "Find a company's name from its domain or LinkedIn page with a Parallel research task.",
        CompanyNameOutput,
        (COMPANY_NAME,),
        (
            Variant("/company/find-name-by-domain", (DOMAIN,), "lite"),
            Variant("/company/find-name-by-linkedin-url", (LINKEDIN,), "lite"),
        ),
    ),
    MicroOp(
        "company.resolve.domain",
        "Find a company's domain from its LinkedIn page (and name) with a Parallel research task.",
        CompanyDomainOutput,
        (COMPANY_DOMAIN,),
        (
            Variant("/company/find-domain-by-name-and-linkedin-url", (NAME, LINKEDIN)),
            Variant("/company/find-domain-by-linkedin-url", (LINKEDIN,)),
        ),
    ),
    MicroOp(
        "company.resolve.description",
        "Describe a company from its domain (and name) with a Parallel research task.",
        CompanyDescriptionOutput,
        (DESCRIPTION,),
        (
            Variant("/company/find-description-by-name-and-domain", (NAME, DOMAIN)),
            Variant("/company/find-description-by-domain", (DOMAIN,), "lite"),
        ),
    ),
    MicroOp(
        "company.resolve.hq_location",
        "Find a company's headquarters from its domain (and name) with a Parallel research task.",
        CompanyHqLocationOutput,
        (HQ_LOCATION,),
        (
            Variant("/company/find-hq-location-by-name-and-domain", (NAME, DOMAIN), "lite"),
            Variant("/company/find-hq-location-by-domain", (DOMAIN,), "lite"),
        ),
    ),
    MicroOp(
        "company.resolve.employee_range",
        "Find a company's headcount range from its name, domain and LinkedIn page with a Parallel task.",
        CompanyEmployeeRangeOutput,
        (EMPLOYEE_RANGE,),
        (Variant("/company/find-employee-range-by-name-domain-and-linkedin-url", (NAME, DOMAIN, LINKEDIN)),),
    ),
    MicroOp(
        "person.resolve.linkedin_url",
        "Find a person's LinkedIn profile from their name and company with a Parallel research task.",
        PersonLinkedinUrlOutput,
        (PERSON_LINKEDIN,),
        (
            Variant(
                "/person/find-linkedin-url-by-full-name-company-name-and-company-domain",
                (PERSON, NAME, DOMAIN),
            ),
            Variant("/person/find-linkedin-url-by-name-and-company", (PERSON, NAME)),
        ),
    ),
    MicroOp(
        "person.resolve.work_email",
        "Find a person's work email from their name and company or LinkedIn profile with a Parallel task.",
        PersonWorkEmailOutput,
        (WORK_EMAIL,),
        (
            Variant(
                "/person/find-work-email-by-full-name-company-name-company-domain-and-linkedin-url",
                (PERSON, NAME, DOMAIN, PERSON_URL),
            ),
            Variant(
                "/person/find-work-email-by-full-name-company-name-and-company-domain", (PERSON, NAME, DOMAIN)
            ),
            Variant("", (PERSON, DOMAIN)),
            Variant("/person/find-email-by-name-and-company", (PERSON, NAME)),
            Variant("", (PERSON_URL,)),
        ),
    ),
    MicroOp(
        "person.resolve.email_and_linkedin",
        "Find a person's work email and LinkedIn profile from their name and company with a Parallel task.",
        PersonEmailAndLinkedinOutput,
        (EMAIL, PERSON_LINKEDIN),
        (
            Variant(
                "/person/find-work-email-and-linkedin-url-by-full-name-company-name-and-company-domain",
                (PERSON, NAME, DOMAIN),
            ),
            Variant("/person/find-email-and-linkedin-url-by-full-name-and-company-name", (PERSON, NAME)),
        ),
    ),
    MicroOp(
        "person.resolve.location",
        "Find where a person is based from their name and LinkedIn profile with a Parallel research task.",
        PersonLocationOutput,
        (LOCATION,),
        (Variant("/person/find-location-by-full-name-and-linkedin-url", (PERSON, PERSON_URL)),),
    ),
)

OPERATIONS = [op.spec() for op in MICRO_OPS]
