"""The gateway's retries, on a scripted provider: attempts, Retry-After, each try journaled as it ends."""

from __future__ import annotations

from cluster.gateway import ProviderGateway
from operations.runtime import ON_RETRIED_TRY
from providers.base import Credentials, ErrorClass, Outcome, ProviderResult, RateLimit
from providers.execute import Endpoint
from providers.http import HttpRequest, HttpResponse
from providers.registry import get_provider

OK = HttpResponse(200, {}, b'{"result": "ok", "email": "a@b.co"}', 1.0)
DOWN = HttpResponse(500, {}, b"{}", 1.0)
THROTTLED = HttpResponse(429, {"retry-after": "7"}, b"{}", 1.0)


class Scripted:
    """A provider that answers from a list, and a backoff that notes its waits instead of sleeping."""

    def __init__(self, *answers: HttpResponse) -> None:
        self.answers = list(answers)
        self.requests = 0
        self.waits: list[float] = []

    async def send(self, request: HttpRequest) -> HttpResponse:
        self.requests += 1
        return self.answers.pop(0)

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)


def _gateway(script: Scripted, **options: float) -> ProviderGateway:
    endpoint = Endpoint("http://scripted.invalid", Credentials(api_key="key"))
    gateway = ProviderGateway(
        get_provider("millionverifier"),
        endpoint,
        RateLimit(rate=1e9, concurrency=10),
        client=script,  # type: ignore[arg-type]
        **options,  # type: ignore[arg-type]
    )
    gateway.holder.stop.sleep = script.sleep  # type: ignore[method-assign]
    return gateway


async def test_each_try_is_journaled_as_it_ends_and_travels_with_the_answer() -> None:
    script = Scripted(DOWN, DOWN, OK)
    gateway = _gateway(script, max_attempts=4, max_backoff_s=0.0)
    journaled: list[ProviderResult] = []
    token = ON_RETRIED_TRY.set(journaled.append)
    try:
        result = await gateway.call("verify", {"email": "a@b.co"})
    finally:
        ON_RETRIED_TRY.reset(token)
    assert result.outcome is Outcome.FOUND and script.requests == 3
    assert [t.http_status for t in result.retried] == [500, 500] and list(result.retried) == journaled
    assert (gateway.stats.calls, gateway.stats.attempts, gateway.stats.retries) == (1, 3, 2)
    await gateway.close()


async def test_attempts_run_out_and_retry_after_is_honoured() -> None:
    script = Scripted(THROTTLED, DOWN, DOWN, OK)
    gateway = _gateway(script, max_attempts=3, max_backoff_s=0.0)
    result = await gateway.call("verify", {"email": "a@b.co"})
    assert result.error_class is ErrorClass.SERVER_ERROR and script.requests == 3
    assert script.waits == [7.0, 0.0]  # the 429's Retry-After, then no backoff (capped at 0)
    assert gateway.stats.retries == 2 and len(result.retried) == 2
    await gateway.close()


async def test_one_attempt_is_not_retried() -> None:
    script = Scripted(DOWN)
    gateway = _gateway(script, max_attempts=1)
    result = await gateway.call("verify", {"email": "a@b.co"})
    assert result.error_class is ErrorClass.SERVER_ERROR and result.retried == () and script.waits == []
    await gateway.close()
