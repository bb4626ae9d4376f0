"""The one settings tree of data-engine-x, read from the environment with the spec's variable names."""

from config.settings import (
    ApiSettings,
    AuthSettings,
    ClusterSettings,
    DatabaseSettings,
    Environment,
    ProviderSettings,
    RayLocalMode,
    Settings,
    WebhookSettings,
    load_settings,
)

__all__ = [
    "ApiSettings",
    "AuthSettings",
    "ClusterSettings",
    "DatabaseSettings",
    "Environment",
    "ProviderSettings",
    "RayLocalMode",
    "Settings",
    "WebhookSettings",
    "load_settings",
]
