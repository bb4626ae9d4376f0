"""The generic micro-operation: pick the richest input variant, run one Parallel task, map its answer."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from itertools import product
from typing import Any

from operations.contracts.base import Contract
from operations.inputs import Inputs, clean_text, normalize_linkedin_url
from operations.runtime import OperationRun, Outcome
from operations.spec import Need, OperationSpec, OperationStatus, need
from operations.waterfall import one_call
from providers.base import Outcome as ProviderOutcome
from providers.parallel import DEFAULT_PROCESSOR, processor_price, task_inputs

PLAN = one_call("parallel", "task_run")
PROCESSOR_PARAM = "processor"
_CONFIDENCE_RANK = {"low": 0, "medium": 1, "high": 2}

# The task inputs a variant can name: where each is read from (aliases, in order) and how it is cleaned.
ALIASES: dict[str, tuple[str, ...]] = {
    "full_name": ("full_name", "first_name", "last_name"),
    "company_name": ("company_name",),
    "company_domain": ("company_domain", "company_website", "domain"),
    "company_linkedin_url": ("company_linkedin_url",),
    "linkedin_url": ("linkedin_url", "profile_url"),
}
READERS: dict[str, Callable[[Inputs], str | None]] = {
    "full_name": lambda inputs: inputs.full_name()[2],
    "company_name": lambda inputs: inputs.text("company_name", max_length=200),
    "company_domain": lambda inputs: inputs.domain(*ALIASES["company_domain"]),
    "company_linkedin_url": lambda inputs: inputs.linkedin("company_linkedin_url", kind="company"),
    "linkedin_url": lambda inputs: inputs.linkedin(*ALIASES["linkedin_url"], kind="in"),
}


def long_text(value: Any) -> str | None:
    """Return a whitespace-collapsed text, cut at 4,000 characters (descriptions can run long)."""
    if not isinstance(value, str):
        return None
    text = " ".join(value.split())[:4000]
    return text or None


def short_text(value: Any) -> str | None:
    """Return a short text; a bare number (an employee count given for a range) becomes its digits."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return clean_text(value, 200)


company_linkedin = partial(normalize_linkedin_url, kind="company")
person_linkedin = partial(normalize_linkedin_url, kind="in")


@dataclass(frozen=True, slots=True)
class Field:
    """One output field: its canonical name (also the task's output field), what to ask, how to clean it."""

    name: str
    description: str
    clean: Callable[[Any], str | None]


@dataclass(frozen=True, slots=True)
class Variant:
    """One input combination, as one of the old system's micro endpoints served it."""

    endpoint: str  # the old endpoint's path; "" for a combination added here
    inputs: tuple[str, ...]
    processor: str = DEFAULT_PROCESSOR  # the processor the old endpoint used

    @property
    def label(self) -> str:
        return "+".join(self.inputs)


@dataclass(frozen=True)
class MicroOp:
    """A micro-operation as data: its id, contract, fields to resolve and input variants (richest first)."""

    id: str
    description: str
    output: type[Contract]
    fields: tuple[Field, ...]
    variants: tuple[Variant, ...]

    def requires(self) -> tuple[Need, ...]:
        """Return the variants' alternatives as need groups: any one variant satisfies all of them.

        The variants form an OR of ANDs; need groups are an AND of ORs. Each group picks one input from
        every variant, and groups implied by a smaller one are dropped.
        """
        clauses = {frozenset(choice) for choice in product(*(v.inputs for v in self.variants))}
        minimal = [c for c in clauses if not any(other < c for other in clauses)]
        order = list(ALIASES)
        groups = sorted(
            (sorted(c, key=order.index) for c in minimal), key=lambda g: [order.index(k) for k in g]
        )
        return tuple(need(*(alias for key in group for alias in ALIASES[key])) for group in groups)

    def optional(self) -> tuple[str, ...]:
        """Return the inputs only richer variants read."""
        required = {name for n in self.requires() for name in n.names}
        used = {alias for v in self.variants for key in v.inputs for alias in ALIASES[key]}
        return tuple(sorted(used - required))

    def pick(self, values: Mapping[str, str]) -> Variant | None:
        """Return the first (richest) variant whose inputs are all present."""
        return next((v for v in self.variants if all(k in values for k in v.inputs)), None)

    def task_fields(self) -> dict[str, Any]:
        """Return the task's output fields as property schemas."""
        return {f.name: {"type": "string", "description": f.description} for f in self.fields}

    def spec(self) -> OperationSpec:
        """Return the registered operation."""
        return OperationSpec(
            id=self.id,
            description=self.description,
            output=self.output,
            run=partial(run_micro, self),
            requires=self.requires(),
            optional=self.optional(),
            plan=PLAN,
            params=(PROCESSOR_PARAM,),
            extra={"variants": [{"endpoint": v.endpoint, "inputs": list(v.inputs)} for v in self.variants]},
        )


def read_values(inputs: Inputs, keys: Sequence[str]) -> dict[str, str]:
    """Return the clean values of the named task inputs that are present."""
    return {key: value for key in keys if (value := READERS[key](inputs)) is not None}


def processor(inputs: Inputs, default: str) -> str:
    """Return the step's `processor` parameter when it names a Parallel processor, else default."""
    chosen = inputs.text(PROCESSOR_PARAM, max_length=20)
    chosen = chosen.lower() if chosen else None
    return chosen if chosen and processor_price(chosen) is not None else default


def weakest(confidences: Sequence[Any]) -> str | None:
    """Return the lowest of Parallel's confidence words (an unknown word only when nothing else is)."""
    words = [c.strip().lower() for c in confidences if isinstance(c, str) and c.strip()]
    ranked = [w for w in words if w in _CONFIDENCE_RANK]
    if ranked:
        return min(ranked, key=_CONFIDENCE_RANK.__getitem__)
    return words[0] if words else None


def answer(op: MicroOp, data: Mapping[str, Any]) -> dict[str, Any] | None:
    """Map a task's data to the operation's output, or None when no field holds a usable value."""
    values = {f.name: f.clean(data.get(f.name)) for f in op.fields}
    found = [name for name, value in values.items() if value is not None]
    if not found:
        return None
    confidence = data.get("confidence")
    per_field = confidence if isinstance(confidence, Mapping) else {}
    return {**values, "confidence": weakest([per_field.get(n) for n in found]), "source_provider": "parallel"}


async def run_micro(op: MicroOp, run: OperationRun) -> Outcome:
    """Resolve op's fields with one Parallel task built from the richest variant the inputs allow."""
    values = read_values(run.inputs, list(ALIASES))
    variant = op.pick(values)
    if variant is None:
        wanted = " or ".join(v.label for v in op.variants)
        return run.unusable(f"no usable inputs: {op.id} needs {wanted}")
    task = task_inputs(
        {key: values[key] for key in variant.inputs},
        op.task_fields(),
        processor(run.inputs, variant.processor),
    )
    result = await run.waterfall(task)
    if result is None or result.outcome is not ProviderOutcome.FOUND:
        return run.miss()
    output = answer(op, result.data or {})
    if output is None:
        fields = ", ".join(f.name for f in op.fields)
        return Outcome(OperationStatus.NOT_FOUND, None, f"parallel answered no usable {fields}")
    return Outcome(OperationStatus.FOUND, output)
