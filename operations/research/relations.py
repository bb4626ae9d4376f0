"""Company relations from RevenueInfra: competitors, similar companies, customers (fan-out to companies)."""

from __future__ import annotations

from typing import Any

from operations.contracts.research import CompetitorsOutput, CustomersOutput, SimilarCompaniesOutput
from operations.inputs import Inputs
from operations.research.revenueinfra import DOMAIN_INPUTS, ListLookup, list_operation
from operations.spec import FanOut, need


def competitors_request(inputs: Inputs) -> dict[str, Any] | None:
    """Ask by domain, by name, or both (the service takes either); the LinkedIn page helps when known."""
    request: dict[str, Any] = {
        "company_domain": inputs.domain(*DOMAIN_INPUTS),
        "company_name": inputs.text("company_name", max_length=200),
    }
    if not any(request.values()):
        return None
    request["company_linkedin_url"] = inputs.linkedin("company_linkedin_url", kind="company")
    return {key: value for key, value in request.items() if value is not None}


OPERATIONS = [
    list_operation(
        ListLookup(
            id="company.research.discover_competitors",
            description="Find a company's top direct competitors.",
            action="competitors",
            list_key="competitors",
            count_key="competitor_count",
            output=CompetitorsOutput,
            fan_out=FanOut(
                "competitors",
                "company",
                rename={
                    "domain": "company_domain",
                    "name": "company_name",
                    "linkedin_url": "company_linkedin_url",
                },
            ),
            requires=(need(*DOMAIN_INPUTS, "company_name"),),
            optional=("company_linkedin_url",),
            request=competitors_request,
        )
    ),
    list_operation(
        ListLookup(
            id="company.research.find_similar_companies",
            description="Find companies similar to a company, with similarity scores.",
            action="similar_companies",
            list_key="similar_companies",
            count_key="similar_count",
            output=SimilarCompaniesOutput,
            fan_out=FanOut("similar_companies", "company"),
        )
    ),
    list_operation(
        ListLookup(
            id="company.research.lookup_customers",
            description="Known customers of a company.",
            action="customers",
            list_key="customers",
            count_key="customer_count",
            output=CustomersOutput,
            fan_out=FanOut(
                "customers",
                "company",
                rename={
                    "customer_domain": "company_domain",
                    "customer_name": "company_name",
                    "customer_linkedin_url": "company_linkedin_url",
                },
            ),
        )
    ),
]
