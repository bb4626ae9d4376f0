"""Settings: one pydantic-settings tree built once per process and passed to whatever needs it.

Every field reads the environment variable of the same name (no prefix), as the old system did.
Unsafe development defaults exist only when DEX_ENV=development; any other environment refuses to
start without real secrets.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

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


PROVIDER_NAMES = (
    "prospeo",
    "blitzapi",
    "companyenrich",
    "leadmagic",
    "icypeas",
    "millionverifier",
    "reoon",
    "parallel",
    "adyntel",
    "gemini",
    "openai",
    "ampleleads",
    "storeleads",
    "enigma",
    "revenueinfra",
)


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


class ProviderSettings(BaseSettings):
    """Provider credentials, where each provider is reached, and limit overrides.

    A provider without a key is skipped, not failed. With PROVIDER_SANDBOX_URL set, every provider
    without its own `<NAME>_BASE_URL` is reached at `<sandbox>/<name>` (the local sandbox).
    """

    model_config = _ENV_CONFIG

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
    prospeo_api_key: SecretStr | None = None
    blitzapi_api_key: SecretStr | None = None
    companyenrich_api_key: SecretStr | None = None
    leadmagic_api_key: SecretStr | None = None
    icypeas_api_key: SecretStr | None = None
    millionverifier_api_key: SecretStr | None = None
    reoon_api_key: SecretStr | None = None
    parallel_api_key: SecretStr | None = None
    adyntel_api_key: SecretStr | None = None
    gemini_api_key: SecretStr | None = None
    openai_api_key: SecretStr | None = None
    ampleleads_api_key: SecretStr | None = None
    storeleads_api_key: SecretStr | None = None
    enigma_api_key: SecretStr | None = None
    revenueinfra_api_key: SecretStr | None = None
    adyntel_account_email: str | None = None
    prospeo_base_url: str | None = None
    blitzapi_base_url: str | None = None
    companyenrich_base_url: str | None = None
    leadmagic_base_url: str | None = None
    icypeas_base_url: str | None = None
    millionverifier_base_url: str | None = None
    reoon_base_url: str | None = None
    parallel_base_url: str | None = None
    adyntel_base_url: str | None = None
    gemini_base_url: str | None = None
    openai_base_url: str | None = None
    ampleleads_base_url: str | None = None
    storeleads_base_url: str | None = None
    enigma_base_url: str | None = None
    revenueinfra_base_url: str | None = None

    @field_validator("provider_limits")
    @classmethod
    def _known_providers(cls, value: dict[str, ProviderLimitOverride]) -> dict[str, ProviderLimitOverride]:
        unknown = sorted(set(value) - set(PROVIDER_NAMES))
        if unknown:
            raise ValueError(f"unknown provider(s) in PROVIDER_LIMITS: {', '.join(unknown)}")
        return value

    @classmethod
    def for_sandbox(cls, sandbox_url: str, api_key: str, **overrides: object) -> ProviderSettings:
        """Settings that reach every provider in the sandbox at sandbox_url with its key."""
        keys = {f"{name}_api_key": SecretStr(api_key) for name in PROVIDER_NAMES}
        values: dict[str, object] = {
            **keys,
            "adyntel_account_email": "sandbox@example.com",
            "provider_sandbox_url": sandbox_url,
            **{f"{name}_base_url": None for name in PROVIDER_NAMES},
            **overrides,
        }
        return cls.model_validate(values)

    def api_key(self, provider: str) -> str | None:
        """Return the provider's key, if configured."""
        secret: SecretStr | None = getattr(self, f"{provider}_api_key", None)
        return secret.get_secret_value() if secret is not None else None

    def base_url(self, provider: str, default: str) -> str:
        """Return where to reach the provider: its own override, else the sandbox, else the real service."""
        own: str | None = getattr(self, f"{provider}_base_url", None)
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
