"""Sandboxed provider APIs, one module per provider, each defining one `SandboxProvider` subclass."""

from __future__ import annotations

import importlib
import pkgutil

from providers.sandbox.app import SandboxProvider


def sandbox_providers() -> dict[str, type[SandboxProvider]]:
    """Import every module of this package and return its SandboxProvider classes by name."""
    found: dict[str, type[SandboxProvider]] = {}
    for module_info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, SandboxProvider) and value.name:
                if value.name in found and found[value.name] is not value:
                    raise RuntimeError(f"two sandbox modules claim provider {value.name!r}")
                found[value.name] = value
    return found
