"""Settings: one pydantic-settings tree built once per process and passed to whatever needs it.

Every field reads the environment variable of the same name (no prefix), as the old system did.
Unsafe development defaults exist only when DEX_ENV=development; any other environment refuses to
start without real secrets.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

_ENV_CONFIG = SettingsConfigDict(env_file=None, extra="ignore", case_sensitive=False)

# Development-only secrets: known to everyone, so refused in any other environment.
DEV_JWT_SECRET = "dev-only-jwt-secret-change-me-0123456789abcdef"
DEV_SUPER_ADMIN_JWT_SECRET = "dev-only-super-admin-jwt-secret-0123456789abcdef"
DEV_SUPER_ADMIN_API_KEY = "dev-super-admin-key"


class Environment(StrEnum):
    """Where the process runs; only development gets unsafe defaults."""

    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class DatabaseSettings(BaseSettings):
    """PostgreSQL connection; an embedded server is started when DATABASE_URL is unset."""

    model_config = _ENV_CONFIG

    database_url: SecretStr | None = Field(
        default=None,
        description="PostgreSQL URL (postgresql://user:pass@host:port/db). Unset: embedded PostgreSQL.",
    )
    database_pool_size: int = Field(default=10, ge=1, le=200, description="Connections kept per process.")
    database_echo: bool = Field(default=False, description="Log every SQL statement (debugging only).")


class AuthSettings(BaseSettings):
    """Secrets and lifetimes of the four auth paths."""

    model_config = _ENV_CONFIG

    jwt_secret: SecretStr | None = Field(default=None, description="HS256 key for tenant session JWTs.")
    super_admin_jwt_secret: SecretStr | None = Field(
        default=None, description="HS256 key for super-admin JWTs (must differ from JWT_SECRET)."
    )
    super_admin_api_key: SecretStr | None = Field(
        default=None, description="Static bearer key with super-admin rights. Unset: key auth disabled."
    )
    internal_api_key: SecretStr | None = Field(
        default=None,
        description="Service-to-service bearer key (with x-internal-org-id header). Unset: disabled.",
    )
    jwt_ttl_minutes: int = Field(default=1440, ge=1, le=43200, description="Tenant JWT lifetime.")
    super_admin_jwt_ttl_minutes: int = Field(default=480, ge=1, le=43200, description="Super-admin JWT life.")


class ApiSettings(BaseSettings):
    """How the FastAPI head node listens and what it accepts."""

    model_config = _ENV_CONFIG

    api_host: str = Field(default="127.0.0.1", description="Address `dex serve` binds.")
    api_port: int = Field(default=8000, ge=1, le=65535, description="Port `dex serve` binds.")
    max_request_bytes: int = Field(
        default=16 * 1024 * 1024, ge=1024, description="Largest request body accepted (413 beyond)."
    )
    max_upload_bytes: int = Field(
        default=1024**3,
        ge=1024,
        description="Largest multipart upload (413 beyond); it streams to a temporary file.",
    )


class WebhookSettings(BaseSettings):
    """Signed webhooks to tenants' systems: who delivers them, how often and how long retries go on."""

    model_config = _ENV_CONFIG

    webhook_delivery_enabled: bool = Field(
        default=True, description="Run the webhook deliverer in this API process (`dex serve`)."
    )
    webhook_poll_interval_s: float = Field(
        default=2.0, gt=0, le=300, description="How often the deliverer looks for due deliveries."
    )
    webhook_batch_size: int = Field(
        default=50, ge=1, le=1000, description="Deliveries one poll claims (and sends concurrently)."
    )
    webhook_timeout_s: float = Field(
        default=10.0, gt=0, le=60, description="Timeout of one delivery request (connect, send and answer)."
    )
    webhook_retry_schedule_s: list[float] = Field(
        default=[10, 30, 90, 300, 900, 1800, 3600, 7200],
        min_length=1,
        description="JSON: the wait after the 1st, 2nd, … failed attempt; the last one repeats.",
    )
    webhook_retry_jitter: float = Field(
        default=0.2, ge=0, le=1, description="Each wait is drawn from ±this share around its schedule entry."
    )
    webhook_retry_window_s: float = Field(
        default=86400.0,
        gt=0,
        description="How long after its event a delivery is retried; past it the delivery is failed.",
    )
    webhook_secrets_key: SecretStr | None = Field(
        default=None,
        description="Key that encrypts webhook signing secrets at rest; unset: derived from JWT_SECRET.",
    )

    @field_validator("webhook_retry_schedule_s")
    @classmethod
    def _positive_waits(cls, value: list[float]) -> list[float]:
        if any(not wait > 0 for wait in value):
            raise ValueError("every WEBHOOK_RETRY_SCHEDULE_S wait must be above 0")
        return value


class ProviderLimitOverride(BaseModel):
    """A configured replacement for a provider's documented rate limit or concurrency."""

    model_config = ConfigDict(extra="forbid")

    rate_per_second: float | None = Field(
        default=None,
        gt=0,
        description="The credential's rate: the shared lane and every endpoint without a path_rates entry.",
    )
    concurrency: int | None = Field(default=None, ge=1, le=10_000)
    path_rates: dict[str, float] = Field(
        default_factory=dict,
        description='Requests/s of single endpoints, e.g. {"/bulk-single-searchs/read": 1}.',
    )
    account_rate: float | None = Field(
        default=None,
        gt=0,
        description="Requests/s of all endpoints together; unset with rate_per_second set, no cap.",
    )

    @field_validator("path_rates")
    @classmethod
    def _positive_paths(cls, value: dict[str, float]) -> dict[str, float]:
        bad = sorted(path for path, rate in value.items() if not path.startswith("/") or not rate > 0)
        if bad:
            raise ValueError(f"path_rates needs paths starting with / and rates above 0: {', '.join(bad)}")
        return value


def _registered_providers() -> dict[str, dict[str, str]]:
    """Return every registered provider's credential settings beside its key (with sandbox values)."""
    # Which providers exist is for the providers package to say (each adapter declares itself, see
    # providers.registry); that package imports config, so it is asked here, when settings are built,
    # never at import.
    from providers.registry import credential_settings

    return credential_settings()


@functools.cache
def _keyless() -> frozenset[str]:
    """Return the providers that need no key, as their adapters declare (asked when first needed)."""
    from providers.registry import keyless_providers

    return keyless_providers()


def _provider_fields(extras: Mapping[str, str]) -> tuple[str, ...]:
    return ("api_key", "base_url", *extras)


def _blank(value: object) -> bool:
    text = value.get_secret_value() if isinstance(value, SecretStr) else value
    return text is None or (isinstance(text, str) and not text.strip())


class _ProviderEnvSource(EnvSettingsSource):
    """The environment as ProviderSettings reads it: its own fields, and every provider's `<NAME>_*`."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        if field_name == "credentials":  # built from the per-provider variables only, never one variable
            return None, field_name, False
        return super().get_field_value(field, field_name)

    def __call__(self) -> dict[str, Any]:
        values = super().__call__()
        credentials: dict[str, dict[str, Any]] = {}
        for name, extras in _registered_providers().items():
            read = {field: self.env_vars.get(f"{name}_{field}") for field in _provider_fields(extras)}
            found = {field: value for field, value in read.items() if value is not None}
            entry: dict[str, Any] = {k: found[k] for k in ("api_key", "base_url") if k in found}
            extra = {setting: found[setting] for setting in extras if setting in found}
            if extra:
                entry["extra"] = extra
            if entry:
                credentials[name] = entry
        # Nested, so that credentials given as keyword arguments are merged over these, key by key.
        values["credentials"] = credentials
        return values


class ProviderCredentials(BaseModel):
    """One provider's key, where it is reached, and the other credentials its adapter declares."""

    model_config = ConfigDict(extra="forbid")

    api_key: SecretStr | None = Field(default=None, description="<NAME>_API_KEY.")
    base_url: str | None = Field(
        default=None, description="<NAME>_BASE_URL: reach the provider elsewhere (a proxy, a mock)."
    )
    extra: dict[str, SecretStr | None] = Field(
        default_factory=dict,
        description="Each declared <NAME>_<SETTING> (Adyntel's account_email), by setting.",
    )


class ProviderSettings(BaseSettings):
    """Provider credentials, where each provider is reached, and limit overrides.

    Every provider the registry finds (`providers.registry`) is read from `<NAME>_API_KEY`,
    `<NAME>_BASE_URL` and each credential its adapter declares (`ADYNTEL_ACCOUNT_EMAIL`); keyword
    arguments use the same names in lower case (`parallel_api_key=None`). A provider lacking a key
    or a declared credential is not configured: its calls are skipped, and `missing_credentials`
    says which variables to set. With PROVIDER_SANDBOX_URL set, every provider without its own
    `<NAME>_BASE_URL` is reached at `<sandbox>/<name>` (the local sandbox).
    """

    # Unlike the other groups, unknown keyword arguments are refused: a misspelt `<name>_api_key`
    # would otherwise leave a provider without its key, silently.
    model_config = SettingsConfigDict(env_file=None, extra="forbid", case_sensitive=False)

    provider_sandbox_url: str | None = Field(
        default=None, description="Base URL of the provider sandbox; providers answer under /<name>."
    )
    operation_provider_order: dict[str, list[str]] = Field(
        default_factory=dict,
        description='JSON, e.g. {"company.enrich.profile": ["companyenrich", "prospeo"]}.',
    )
    provider_limits: dict[str, ProviderLimitOverride] = Field(
        default_factory=dict,
        description='JSON, e.g. {"prospeo": {"rate_per_second": 30, "concurrency": 20}}.',
    )
    provider_timeout_s: float | None = Field(
        default=None,
        gt=0,
        le=600,
        description="Caps every provider request's timeout (default: each action's own, else 60 s).",
    )
    gateway_interactive_share: float = Field(
        default=0.1,
        ge=0.0,
        le=0.5,
        description="Share of every rate limit and concurrency kept for interactive calls while they come.",
    )
    gateway_lease_horizon_s: float = Field(
        default=0.25,
        gt=0,
        le=10,
        description="How far ahead batch work gets its send times (the longest an interactive call waits).",
    )
    provider_credits_recheck_s: float = Field(
        default=600.0,
        gt=0,
        description="How long a credential that answered 'no credits' is skipped before it is tried again.",
    )
    credentials: dict[str, ProviderCredentials] = Field(
        default_factory=dict,
        description="Every registered provider's credentials, from its <NAME>_* variables.",
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Read keyword arguments, then the environment (per-provider variables included); no .env file."""
        return init_settings, _ProviderEnvSource(settings_cls)

    @model_validator(mode="before")
    @classmethod
    def _gather_credentials(cls, data: Any) -> Any:
        """Fold `<name>_<field>` values into `credentials`, with an entry for every registered provider."""
        if not isinstance(data, dict):
            return data
        data = dict(data)
        given = {
            name: dict(entry.model_dump() if isinstance(entry, ProviderCredentials) else entry)
            for name, entry in (data.pop("credentials", None) or {}).items()
        }
        registered = _registered_providers()
        unknown = sorted(set(given) - set(registered))
        if unknown:
            raise ValueError(f"credentials of unknown provider(s): {', '.join(unknown)}")
        gathered: dict[str, dict[str, Any]] = {}
        for name, extras in registered.items():
            entry = given.get(name, {})
            extra = dict(entry.get("extra") or {})
            unknown = sorted(set(extra) - set(extras))
            if unknown:
                raise ValueError(f"{name} declares no credential {', '.join(unknown)}")
            values = {"api_key": entry.get("api_key"), "base_url": entry.get("base_url"), **extra}
            for field in _provider_fields(extras):
                if f"{name}_{field}" in data:
                    values[field] = data.pop(f"{name}_{field}")
            cleaned = {field: None if _blank(value) else value for field, value in values.items()}
            gathered[name] = {
                "api_key": cleaned.pop("api_key"),
                "base_url": cleaned.pop("base_url"),
                "extra": {setting: cleaned.get(setting) for setting in extras},
            }
        data["credentials"] = gathered
        return data

    @field_validator("provider_limits")
    @classmethod
    def _known_providers(cls, value: dict[str, ProviderLimitOverride]) -> dict[str, ProviderLimitOverride]:
        unknown = sorted(set(value) - set(_registered_providers()))
        if unknown:
            raise ValueError(f"unknown provider(s) in PROVIDER_LIMITS: {', '.join(unknown)}")
        return value

    @classmethod
    def for_sandbox(cls, sandbox_url: str, api_key: str, **overrides: object) -> ProviderSettings:
        """Settings that reach every provider in the sandbox at sandbox_url with its key.

        Overrides use the keyword names (`parallel_api_key=None` leaves Parallel without a key).
        """
        credentials = {
            name: {"api_key": api_key, "base_url": None, "extra": dict(extras)}
            for name, extras in _registered_providers().items()
        }
        values: dict[str, object] = {"provider_sandbox_url": sandbox_url, "credentials": credentials}
        return cls.model_validate({**values, **overrides})

    @classmethod
    def sandbox_environment(cls, sandbox_url: str, api_key: str) -> dict[str, str]:
        """Return the environment variables of a process that reaches every provider in the sandbox."""
        env = {"PROVIDER_SANDBOX_URL": sandbox_url}
        for name, extras in _registered_providers().items():
            env[f"{name.upper()}_API_KEY"] = api_key
            env.update({f"{name}_{setting}".upper(): value for setting, value in extras.items()})
        return env

    @classmethod
    def provider_variables(cls) -> list[str]:
        """Return the name of every per-provider variable read (`<NAME>_API_KEY`, `<NAME>_BASE_URL`, …)."""
        return [
            f"{name}_{field}".upper()
            for name, extras in _registered_providers().items()
            for field in _provider_fields(extras)
        ]

    def names(self) -> list[str]:
        """Return every registered provider's name."""
        return sorted(self.credentials)

    def _of(self, provider: str) -> ProviderCredentials:
        try:
            return self.credentials[provider]
        except KeyError:
            raise KeyError(f"unknown provider {provider!r}: no adapter declares it") from None

    def api_key(self, provider: str) -> str | None:
        """Return the provider's key, if configured."""
        secret = self._of(provider).api_key
        return secret.get_secret_value() if secret is not None else None

    def extra_credentials(self, provider: str) -> dict[str, str]:
        """Return the provider's declared credentials beside its key that are set, by setting."""
        extra = self._of(provider).extra
        return {setting: value.get_secret_value() for setting, value in extra.items() if value is not None}

    def missing_credentials(self, provider: str) -> list[str]:
        """Return the variables to set before the provider's calls can be sent (none: it is configured)."""
        own = self._of(provider)
        unset = ["api_key"] if own.api_key is None and provider not in _keyless() else []
        unset += [setting for setting, value in own.extra.items() if value is None]
        return [f"{provider}_{field}".upper() for field in unset]

    def configured(self) -> list[str]:
        """Return the providers whose key and declared credentials are all set (the others are skipped)."""
        return [name for name in self.names() if not self.missing_credentials(name)]

    def base_url(self, provider: str, default: str) -> str:
        """Return where to reach the provider: its own override, else the sandbox, else the real service."""
        own = self._of(provider).base_url
        if own:
            return own.rstrip("/")
        if self.provider_sandbox_url:
            return f"{self.provider_sandbox_url.rstrip('/')}/{provider}"
        return default


class RayLocalMode(StrEnum):
    """What a local Ray cluster (no RAY_ADDRESS) is: its own processes, or part of this process."""

    PERSISTENT = "persistent"
    IN_PROCESS = "in_process"


class ClusterSettings(BaseSettings):
    """The Ray cluster: where it is, and how work is cut into chunks."""

    model_config = _ENV_CONFIG

    ray_address: str | None = Field(
        default=None, description="Join the Ray cluster at this address; unset uses a local one."
    )
    ray_local_mode: RayLocalMode = Field(
        default=RayLocalMode.PERSISTENT,
        description=(
            "persistent: join the local cluster dex started (`dex cluster start`), starting it first if "
            "need be; it outlives every dex process. in_process: a throwaway cluster that stops with "
            "the process (tests, benchmarks)."
        ),
    )
    ray_head_port: int | None = Field(
        default=None,
        ge=1024,
        le=65535,
        description="GCS port of the persistent local cluster; unset: a free port (never 6379).",
    )
    ray_num_cpus: int | None = Field(
        default=None, ge=1, description="CPUs of a local Ray, of each node if several (default: all)."
    )
    ray_worker_nodes: int = Field(
        default=0,
        ge=0,
        le=16,
        description=(
            "Worker nodes the persistent local cluster starts beside its head (`ray start --address`, "
            "each its own raylet and CPUs): several nodes on one machine, to see multi-node behaviour."
        ),
    )
    ray_dashboard_port: int = Field(default=8265, ge=1, le=65535, description="Local Ray dashboard port.")
    ray_include_dashboard: bool = Field(default=True, description="Start the dashboard with a local Ray.")
    chunk_size: int = Field(default=200, ge=1, le=10_000, description="Runs per chunk task.")
    max_chunks_in_flight: int = Field(default=8, ge=1, le=1000, description="Chunk tasks running at once.")
    chunk_max_attempts: int = Field(
        default=3, ge=1, le=10, description="Tries of a chunk whose worker dies before its runs fail."
    )
    stop_grace_s: float = Field(
        default=10.0,
        ge=0,
        le=600,
        description="On a graceful stop, how long provider calls already sent get to answer.",
    )
    coordinator_linger_s: float = Field(
        default=60.0,
        ge=0,
        le=3600,
        description="How long a finished coordinator stays to report, then exits.",
    )
    interactive_batch_max: int = Field(
        default=100,
        ge=0,
        description="Submissions of at most this many entities call providers as interactive work.",
    )
    chunk_listen_s: float = Field(
        default=1.0,
        gt=0,
        le=60,
        description="How often a chunk asks the gateways for news of a stop while no call of it waits.",
    )
    chunk_flush_rows: int = Field(
        default=400,
        ge=1,
        le=100_000,
        description="Finished steps, ends and attempts a chunk writes in one batch.",
    )
    chunk_flush_s: float = Field(
        default=0.25,
        gt=0,
        le=60,
        description="Longest a chunk's finished step or provider attempt waits to be written (its journal).",
    )
    coordinator_child_sweep_s: float = Field(
        default=1.0,
        gt=0,
        le=60,
        description="While chunk slots are free, how often a coordinator looks for children fan-outs wrote.",
    )
    coordinator_stopped_linger_s: float = Field(
        default=2.0,
        ge=0,
        le=600,
        description="How long a coordinator stopped with the engine stays to report.",
    )
    stop_flush_margin_s: float = Field(
        default=15.0,
        ge=0,
        le=600,
        description="On a graceful stop, how long after STOP_GRACE_S chunks get to write what they have.",
    )
    budget_block_calls: int = Field(
        default=10,
        ge=1,
        le=10_000,
        description="Calls' worth of budget a chunk reserves at once, far from a cap.",
    )
    budget_near_calls: int = Field(
        default=100,
        ge=1,
        le=100_000,
        description="Within this many calls' worth of a cap, a chunk reserves one call's price at a time.",
    )
    budget_settle_wait_s: float = Field(
        default=60.0,
        ge=0,
        le=3600,
        description="How long a call refused by others' reservations waits for them to settle.",
    )
    budget_settle_poll_s: float = Field(
        default=0.2, gt=0, le=60, description="How often such a call asks the budget book again."
    )
    metrics_flush_s: float = Field(
        default=0.5,
        gt=0,
        le=60,
        description="How often a process passes its provider counts to Ray's metrics.",
    )
    metrics_latency_sample_s: float = Field(
        default=0.01,
        ge=0,
        le=60,
        description="Shortest interval between two latency samples of one provider.",
    )
    node_start_timeout_s: float = Field(
        default=180.0, gt=0, le=3600, description="How long `ray start` of a local node may take."
    )
    node_stop_grace_s: float = Field(
        default=10.0,
        ge=0,
        le=600,
        description="Stopping the local cluster: how long a node's processes get to end before being killed.",
    )
    keeper_ready_timeout_s: float = Field(
        default=120.0, gt=0, le=3600, description="How long the local cluster's keeper may take to start."
    )
    # -- provider gateways: retries and the circuit (cluster/gateway.py, retry.py, circuit.py) --------
    gateway_max_attempts: int = Field(
        default=4,
        ge=1,
        le=20,
        description="Tries of one provider call on a 429, 5xx, timeout or lost connection.",
    )
    gateway_first_backoff_s: float = Field(
        default=0.5,
        gt=0,
        le=60,
        description="Wait before the first retry; it doubles for each next one (jittered).",
    )
    gateway_max_backoff_s: float = Field(
        default=30.0,
        gt=0,
        le=600,
        description="Longest wait between two tries (a longer Retry-After still wins).",
    )
    gateway_circuit_threshold: int = Field(
        default=25,
        ge=1,
        le=100_000,
        description="Provider-health failures in a row (5xx, timeouts, lost connections) opening a circuit.",
    )
    gateway_circuit_cooldown_s: float = Field(
        default=30.0,
        gt=0,
        le=3600,
        description="How long an open circuit refuses calls before its one trial call.",
    )
    gateway_circuit_trial_timeout_s: float = Field(
        default=60.0,
        gt=0,
        le=3600,
        description="How long a trial call may stay unreported before another process may make one.",
    )
    gateway_circuit_recheck_s: float = Field(
        default=1.0,
        gt=0,
        le=60,
        description="While a trial runs elsewhere, how often a process asks whether the circuit closed.",
    )
    gateway_credits_check_timeout_s: float = Field(
        default=10.0, gt=0, le=120, description="Timeout of a credential's balance check."
    )
    gateway_min_shared_read_s: float = Field(
        default=1.0,
        gt=0,
        le=60,
        description="Shortest interval between two shared reads of a polled action's open jobs (Icypeas).",
    )
    gateway_pool_max_connections: int = Field(
        default=512, ge=1, le=10_000, description="HTTP connections of the in-process gateways (no Ray)."
    )
    gateway_pool_timeout_s: float = Field(
        default=60.0, gt=0, le=600, description="Default request timeout of the in-process gateways' client."
    )
    caller_max_connections: int = Field(
        default=256, ge=1, le=10_000, description="HTTP connections a chunk task opens to providers."
    )
    api_caller_max_connections: int = Field(
        default=64, ge=1, le=10_000, description="HTTP connections the API opens to providers (/execute)."
    )
    gateway_batch_tick_s: float = Field(
        default=0.005,
        ge=0,
        le=1,
        description="How long batch calls run in a gateway actor (listed jobs) gather before they are sent.",
    )
    gateway_interactive_batch_tick_s: float = Field(
        default=0.001, ge=0, le=1, description="The same wait for interactive calls."
    )
    gateway_batch_max: int = Field(
        default=200, ge=1, le=10_000, description="Most calls sent to a gateway actor in one actor call."
    )
    # -- leases of the gateways' limits (cluster/leases.py) ------------------------------------------
    lease_tick_s: float = Field(
        default=0.003,
        ge=0,
        le=1,
        description="How long a process's requests gather before one lease call asks for all of them.",
    )
    lease_heartbeat_s: float = Field(
        default=1.0,
        gt=0,
        le=60,
        description="Longest gap between two lease calls of a process holding permits.",
    )
    lease_report_every_s: float = Field(
        default=0.25,
        gt=0,
        le=60,
        description="Longest a process's counters and outcomes wait to be reported.",
    )
    lease_keep_s: float = Field(
        default=0.2, ge=0, le=60, description="How long a process keeps idle permits before giving them back."
    )
    lease_unreachable_s: float = Field(
        default=30.0,
        gt=0,
        le=600,
        description="How long requests wait for an unreachable gateway actor before they fail (retryably).",
    )
    lease_holder_ttl_s: float = Field(
        default=15.0,
        gt=0,
        le=600,
        description="A process silent this long is taken for dead: its permits and its trial call come back.",
    )
    lease_interactive_linger_s: float = Field(
        default=10.0,
        ge=0,
        le=600,
        description="How long after the last interactive call its share of the limits stays reserved.",
    )
    lease_share_retry_s: float = Field(
        default=0.25,
        gt=0,
        le=60,
        description="When a process at its fair share of the permits asks for more again.",
    )

    @field_validator("ray_head_port")
    @classmethod
    def _not_redis_port(cls, value: int | None) -> int | None:
        # Ray's own default, and where a Redis server usually listens: never taken for a dex cluster.
        if value == 6379:
            raise ValueError("6379 is Redis's port (and Ray's default): choose another RAY_HEAD_PORT")
        return value


class Settings(BaseSettings):
    """The whole tree. Build it once (load_settings) and pass it down."""

    model_config = _ENV_CONFIG

    dex_env: Environment = Field(default=Environment.DEVELOPMENT, description="development|test|production")
    dex_state_dir: Path = Field(
        default=Path(".dex"), description="Local state (embedded PostgreSQL data, demo output)."
    )
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    auth: AuthSettings = Field(default_factory=AuthSettings)
    api: ApiSettings = Field(default_factory=ApiSettings)
    providers: ProviderSettings = Field(default_factory=ProviderSettings)
    cluster: ClusterSettings = Field(default_factory=ClusterSettings)
    webhooks: WebhookSettings = Field(default_factory=WebhookSettings)

    @model_validator(mode="after")
    def _secrets_are_safe(self) -> Settings:
        auth = self.auth
        if self.dex_env is Environment.DEVELOPMENT:
            auth.jwt_secret = auth.jwt_secret or SecretStr(DEV_JWT_SECRET)
            auth.super_admin_jwt_secret = auth.super_admin_jwt_secret or SecretStr(DEV_SUPER_ADMIN_JWT_SECRET)
            auth.super_admin_api_key = auth.super_admin_api_key or SecretStr(DEV_SUPER_ADMIN_API_KEY)
            return self
        dev_values = {DEV_JWT_SECRET, DEV_SUPER_ADMIN_JWT_SECRET, DEV_SUPER_ADMIN_API_KEY}
        for name in ("jwt_secret", "super_admin_jwt_secret"):
            value: SecretStr | None = getattr(auth, name)
            if value is None or len(value.get_secret_value()) < 32:
                raise ValueError(f"{name.upper()} must be set to at least 32 characters outside development")
        for name in ("jwt_secret", "super_admin_jwt_secret", "super_admin_api_key", "internal_api_key"):
            value = getattr(auth, name)
            if value is not None and value.get_secret_value() in dev_values:
                raise ValueError(f"{name.upper()} uses a development default outside development")
        assert auth.jwt_secret is not None and auth.super_admin_jwt_secret is not None
        webhook_key = self.webhooks.webhook_secrets_key
        if webhook_key is not None and len(webhook_key.get_secret_value()) < 32:
            raise ValueError("WEBHOOK_SECRETS_KEY must be at least 32 characters outside development")
        if auth.jwt_secret.get_secret_value() == auth.super_admin_jwt_secret.get_secret_value():
            raise ValueError("JWT_SECRET and SUPER_ADMIN_JWT_SECRET must differ")
        return self

    @property
    def is_development(self) -> bool:
        return self.dex_env is Environment.DEVELOPMENT


def load_settings(**overrides: object) -> Settings:
    """Read the environment once; keyword overrides win (tests and the CLI use them)."""
    return Settings(**overrides)  # type: ignore[arg-type]
