"""company.enrich.ecommerce: a store's platform, sales, rankings and installed apps (StoreLeads)."""

from __future__ import annotations

from operations.contracts.company_enrich import EcommerceOutput
from operations.runtime import OperationRun, Outcome
from operations.spec import OperationSpec, OperationStatus, need
from operations.waterfall import one_call


async def enrich_ecommerce(run: OperationRun) -> Outcome:
    """Ask StoreLeads for the store behind the company's domain."""
    domain = run.inputs.domain("company_domain", "company_website", "domain")
    if domain is None:
        return run.unusable("company_domain is not a usable domain")
    result = await run.waterfall({"company_domain": domain})
    if result is None or result.data is None:
        return run.miss()
    return Outcome(OperationStatus.FOUND, {**result.data, "source_provider": "storeleads"})


OPERATIONS = [
    OperationSpec(
        id="company.enrich.ecommerce",
        description="Ecommerce store intelligence: platform, plan, sales, apps, rankings, contacts.",
        output=EcommerceOutput,
        run=enrich_ecommerce,
        requires=(need("company_domain", "company_website", "domain"),),
        plan=one_call("storeleads", "domain"),
        # StoreLeads indexes online stores only; most companies a CRM holds are not one.
        coverage=0.1,
    )
]
