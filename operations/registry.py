"""The operation registry: every operation module's specs by id, and their provider order from config."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Mapping, Sequence
from functools import cache

from operations.spec import OperationSpec

# Packages whose modules define operations (each module: `OPERATIONS: list[OperationSpec]`).
_PACKAGES = ("operations.company", "operations.person", "operations.research", "operations.micro")


@cache
def all_operations() -> dict[str, OperationSpec]:
    """Import every operation module and return the specs by id."""
    found: dict[str, OperationSpec] = {}
    for package_name in _PACKAGES:
        package = importlib.import_module(package_name)
        for info in pkgutil.iter_modules(package.__path__):
            module = importlib.import_module(f"{package_name}.{info.name}")
            for spec in getattr(module, "OPERATIONS", ()):
                if spec.id in found:
                    raise RuntimeError(f"operation {spec.id} is defined twice")
                found[spec.id] = spec
    return dict(sorted(found.items()))


def get_operation(operation_id: str) -> OperationSpec | None:
    """Return the spec of operation_id, or None."""
    return all_operations().get(operation_id)


def provider_order(spec: OperationSpec, overrides: Mapping[str, Sequence[str]]) -> tuple[str, ...]:
    """Return the configured provider order for spec (known providers only), else its default."""
    configured = overrides.get(spec.id)
    if not spec.order_configurable or not configured:
        return spec.providers
    chosen = [p for p in configured if p in spec.providers]
    return tuple(dict.fromkeys(chosen)) or spec.providers
