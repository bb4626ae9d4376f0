"""The gateway's tunables come from ClusterSettings: read from the environment, bounded, applied once."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from cluster.gateway import GatewayPool, ProviderGateway
from config import ClusterSettings, ProviderSettings
from providers.base import Credentials, RateLimit
from providers.execute import Endpoint
from providers.http import HttpClient
from providers.registry import get_provider


def test_tunables_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GATEWAY_MAX_ATTEMPTS", "7")
    monkeypatch.setenv("GATEWAY_CIRCUIT_COOLDOWN_S", "12.5")
    monkeypatch.setenv("LEASE_HEARTBEAT_S", "2")
    monkeypatch.setenv("NODE_STOP_GRACE_S", "3")
    settings = ClusterSettings()
    assert settings.gateway_max_attempts == 7 and settings.gateway_circuit_cooldown_s == 12.5
    assert settings.lease_heartbeat_s == 2.0 and settings.node_stop_grace_s == 3.0


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("gateway_max_attempts", 0),
        ("gateway_circuit_threshold", 0),
        ("gateway_circuit_cooldown_s", 0),
        ("gateway_min_shared_read_s", -1),
        ("lease_tick_s", -0.1),
        ("chunk_flush_rows", 0),
    ],
)
def test_tunables_out_of_bounds_are_refused(name: str, value: float) -> None:
    with pytest.raises(ValidationError):
        ClusterSettings.model_validate({name: value})


def test_every_tunable_is_described() -> None:
    assert all(field.description for field in ClusterSettings.model_fields.values())


async def test_a_gateway_takes_its_tunables_from_the_settings_and_explicit_values_win() -> None:
    settings = ClusterSettings(
        gateway_max_attempts=2,
        gateway_max_backoff_s=5,
        gateway_first_backoff_s=0.1,
        gateway_circuit_threshold=3,
        gateway_circuit_cooldown_s=9,
        gateway_circuit_trial_timeout_s=20,
        gateway_credits_check_timeout_s=4,
        gateway_min_shared_read_s=2,
        lease_holder_ttl_s=7,
        lease_heartbeat_s=3,
    )
    provider = get_provider("millionverifier")
    endpoint = Endpoint("http://127.0.0.1:9", Credentials(api_key="key"))
    async with HttpClient() as http:
        gateway = ProviderGateway(provider, endpoint, RateLimit(rate=10), client=http, settings=settings)
        policy = gateway.retry_policy
        assert (policy.max_attempts, policy.max_backoff_s, policy.first_backoff_s) == (2, 5, 0.1)
        assert gateway.book is not None
        circuit = gateway.book.circuit
        assert (circuit.threshold, circuit.cooldown_s, circuit.trial_timeout_s) == (3, 9, 20)
        assert gateway.book.holder_ttl_s == 7 and gateway.holder.heartbeat_s == 3
        assert gateway.credits_check_timeout_s == 4 and gateway.min_shared_read_s == 2
        explicit = ProviderGateway(
            provider, endpoint, RateLimit(rate=10), client=http, settings=settings, max_attempts=5,
            circuit_threshold=50,
        )  # fmt: skip
        assert explicit.retry_policy.max_attempts == 5 and explicit.book is not None
        assert explicit.book.circuit.threshold == 50
        pool = GatewayPool(ProviderSettings(), client=http, cluster=settings)
        assert pool.gateway("millionverifier").retry_policy.max_attempts == 2
