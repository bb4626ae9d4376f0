"""company.enrich.card_revenue: a consumer brand's card-transaction revenue (Enigma)."""

from __future__ import annotations

from operations.contracts.company_enrich import CardRevenueOutput
from operations.runtime import OperationRun, Outcome
from operations.spec import OperationSpec, OperationStatus, need
from operations.waterfall import one_call

DEFAULT_MONTHS_BACK = 12
MAX_MONTHS_BACK = 24  # Enigma's adapter caps the monthly series here


async def card_revenue(run: OperationRun) -> Outcome:
    """Match the brand by name and website and read its 12-month and monthly card metrics."""
    name = run.inputs.text("company_name", max_length=200)
    domain = run.inputs.domain("company_domain", "company_website")
    if name is None and domain is None:
        return run.unusable("neither company_name nor company_domain is usable")
    months_back = run.inputs.integer("months_back", DEFAULT_MONTHS_BACK, lo=1, hi=MAX_MONTHS_BACK)
    request: dict[str, str | int] = {"months_back": months_back}
    if name is not None:
        request["company_name"] = name
    if domain is not None:
        request["company_domain"] = domain
    result = await run.waterfall(request)
    if result is None or result.data is None:
        return run.miss()
    return Outcome(OperationStatus.FOUND, {**result.data, "source_provider": "enigma"})


OPERATIONS = [
    OperationSpec(
        id="company.enrich.card_revenue",
        description="Card revenue, customers and transactions of a consumer brand, yearly and monthly.",
        output=CardRevenueOutput,
        run=card_revenue,
        requires=(need("company_name", "company_domain", "company_website"),),
        params=("months_back",),
        plan=one_call("enigma", "card_revenue"),
    )
]
