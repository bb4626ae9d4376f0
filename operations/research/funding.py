"""company.research.check_vc_funding: whether a company raised venture money, from whom (RevenueInfra)."""

from __future__ import annotations

from operations.contracts.research import VcFundingOutput
from operations.research.revenueinfra import DOMAIN_INPUTS, PROVIDER, ask, domain_request
from operations.runtime import OperationRun, Outcome
from operations.spec import OperationSpec, OperationStatus, need
from operations.waterfall import one_call


async def check_vc_funding(run: OperationRun) -> Outcome:
    """Ask RevenueInfra for the company's VC status, investors and founding date."""
    request = domain_request(run.inputs)
    if request is None:
        return run.unusable("company_domain is not a usable domain")
    answer = await ask(run, request)
    if isinstance(answer, Outcome):
        return answer
    names = list(answer.get("vc_names") or [])
    vcs = list(answer.get("vcs") or [])
    stated = answer.get("vc_count")
    stated = stated if isinstance(stated, int) and not isinstance(stated, bool) else 0
    output = {
        "has_raised_vc": answer.get("has_raised_vc"),
        # The service's count, its names and its firms can disagree; the largest is the least wrong.
        "vc_count": max(stated, len(names), len(vcs)),
        "vc_names": names,
        "vcs": vcs,
        "founded_date": answer.get("founded_date"),
        "source_provider": PROVIDER,
    }
    return Outcome(OperationStatus.FOUND, output)


OPERATIONS = [
    OperationSpec(
        id="company.research.check_vc_funding",
        description="VC funding status, investor list and founding date.",
        output=VcFundingOutput,
        run=check_vc_funding,
        requires=(need(*DOMAIN_INPUTS),),
        plan=one_call(PROVIDER, "vc_funding"),
    )
]
