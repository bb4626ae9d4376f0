"""Every provider adapter by name, and where each is reached with which key and limits (from settings)."""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

import providers
from config import ProviderSettings
from providers.base import Credentials, Provider, RateLimit, RateLimits
from providers.execute import Endpoint

# Modules of this package that are infrastructure, not adapters.
_NOT_ADAPTERS = {"base", "execute", "http", "registry", "sandbox"}


@cache
def all_providers() -> dict[str, Provider]:
    """Import every adapter module (or package) and return its `PROVIDER` by name."""
    found: dict[str, Provider] = {}
    for info in pkgutil.iter_modules(providers.__path__):
        if info.name in _NOT_ADAPTERS or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"providers.{info.name}")
        provider = getattr(module, "PROVIDER", None)
        if not isinstance(provider, Provider):
            raise RuntimeError(f"providers.{info.name} defines no PROVIDER")
        if provider.name in found:
            raise RuntimeError(f"two adapter modules claim provider {provider.name!r}")
        found[provider.name] = provider
    return found


def get_provider(name: str) -> Provider:
    """Return the adapter named name."""
    try:
        return all_providers()[name]
    except KeyError:
        raise KeyError(f"unknown provider {name!r}") from None


def credential_settings() -> dict[str, dict[str, str]]:
    """Return each provider's credential settings beside its key and base URL, with their sandbox values.

    `config.ProviderSettings` reads `<NAME>_API_KEY`, `<NAME>_BASE_URL` and `<NAME>_<SETTING>` for
    every entry; this is how it knows the providers without a list of its own.
    """
    return {
        name: {field.setting: field.sandbox_value for field in provider.credential_fields}
        for name, provider in sorted(all_providers().items())
    }


def keyless_providers() -> frozenset[str]:
    """Return the providers that need no key (public services, such as the web lane)."""
    return frozenset(name for name, provider in all_providers().items() if not provider.needs_key)


def endpoint_for(provider: Provider, settings: ProviderSettings) -> Endpoint:
    """Resolve the provider's base URL (own override, else sandbox, else the real service) and credentials."""
    configured = settings.extra_credentials(provider.name)
    extra = {f.key: configured[f.setting] for f in provider.credential_fields if f.setting in configured}
    return Endpoint(
        base_url=settings.base_url(provider.name, provider.base_url),
        credentials=Credentials(api_key=settings.api_key(provider.name), extra=extra),
        max_timeout_s=settings.provider_timeout_s,
    )


def rate_limit_for(provider: Provider, settings: ProviderSettings) -> RateLimit:
    """Return the provider's shared limit (rate and concurrency) with any configured override applied."""
    return rate_limits_for(provider, settings).shared


def rate_limits_for(provider: Provider, settings: ProviderSettings) -> RateLimits:
    """Return every limit of the provider's credential with any configured override applied.

    A configured rate is the credential's plan: it replaces the shared rate and every documented
    endpoint rate too, unless `path_rates` names that endpoint's own, and it lifts the documented
    account cap unless `account_rate` sets one.
    """
    override = settings.provider_limits.get(provider.name)
    if override is None:
        return provider.rate_limits
    limit = provider.rate_limit
    rate = override.rate_per_second
    shared = RateLimit(
        rate=rate if rate is not None else limit.per_second,
        per_seconds=1.0,
        concurrency=override.concurrency if override.concurrency is not None else limit.concurrency,
    )
    paths = {
        path: RateLimit(rate=rate, concurrency=own.concurrency) if rate is not None else own
        for path, own in provider.path_limits.items()
    }
    for path, path_rate in override.path_rates.items():
        paths[path] = RateLimit(rate=path_rate, concurrency=shared.concurrency)
    account = provider.account_limit if rate is None else None
    if override.account_rate is not None:
        account = RateLimit(rate=override.account_rate, concurrency=shared.concurrency)
    return RateLimits(shared, paths, provider.limit_per_path, account)
