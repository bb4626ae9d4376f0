"""company.enrich.technographics: a website's technology stack (LeadMagic)."""

from __future__ import annotations

from operations.contracts.company_enrich import TechnographicsOutput
from operations.runtime import OperationRun, Outcome
from operations.spec import OperationSpec, OperationStatus, need
from operations.waterfall import one_call


async def technographics(run: OperationRun) -> Outcome:
    """Ask LeadMagic for the domain's technologies."""
    domain = run.inputs.domain("company_domain", "company_website", "domain")
    if domain is None:
        return run.unusable("company_domain is not a usable domain")
    result = await run.waterfall({"company_domain": domain})
    if result is None or result.data is None:
        return run.miss()
    return Outcome(OperationStatus.FOUND, {**result.data, "source_provider": "leadmagic"})


OPERATIONS = [
    OperationSpec(
        id="company.enrich.technographics",
        description="Website technology stack (analytics, CRM, hosting, frameworks).",
        output=TechnographicsOutput,
        run=technographics,
        requires=(need("company_domain", "company_website", "domain"),),
        plan=one_call("leadmagic", "technographics"),
    )
]
