"""The webhook deliverer: an asyncio task of the API process that sends due deliveries, signed.

Each poll claims a batch of due deliveries (FOR UPDATE SKIP LOCKED, so several API processes share
the work), sends them concurrently, and records every attempt. A 2xx answer delivers; anything else
(another status, a redirect, a timeout, a refused target) schedules the next try after a jittered
backoff, until the retry window since the event has passed, and the delivery is failed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import orjson
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from api.services.secret_box import SecretUnreadable, webhook_secret_box
from api.services.webhook_signing import EVENT_ID_HEADER, EVENT_TYPE_HEADER, SIGNATURE_HEADER, sign
from api.services.webhook_targets import TargetRefused, parse_target, resolve_target
from api.services.webhooks import secret_context
from config import Settings
from config.vocabulary import DeliveryStatus
from store.repositories import webhook_deliveries

log = logging.getLogger(__name__)

USER_AGENT = "data-engine-x-webhooks/1"
LEASE_MARGIN_S = 30.0  # a claim outlives its request's timeout by this much before another may retry
MAX_ERROR_CHARS = 500


def retry_delay(attempt: int, schedule: Sequence[float], jitter: float, draw: Callable[[], float]) -> float:
    """Return the wait after failed attempt number `attempt` (1-based): its schedule entry ± jitter."""
    base = schedule[min(attempt, len(schedule)) - 1]
    return base * (1 + jitter * (2 * draw() - 1))


def after_failure(*, event_at: datetime, now: datetime, delay_s: float, window_s: float) -> datetime | None:
    """Return when to try again, or None when that would fall past the retry window (the delivery fails)."""
    retry_at = now + timedelta(seconds=delay_s)
    return None if retry_at > event_at + timedelta(seconds=window_s) else retry_at


@dataclass(frozen=True)
class AttemptResult:
    """What one attempt came to: the receiver's status (none if no answer) or why it was not made."""

    status_code: int | None
    error: str | None
    duration_ms: int

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class WebhookDeliverer:
    """Polls for due deliveries and sends them; start() and stop() run in the app's lifespan."""

    def __init__(
        self, settings: Settings, engine: Engine, *, draw: Callable[[], float] = random.random
    ) -> None:
        self.settings = settings
        self.config = settings.webhooks
        self.engine = engine
        self.draw = draw
        self._box = webhook_secret_box(settings)
        self._client: httpx.AsyncClient | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    async def start(self) -> None:
        """Start polling (unless WEBHOOK_DELIVERY_ENABLED is off)."""
        if not self.config.webhook_delivery_enabled or self._task is not None:
            return
        self._stopping = asyncio.Event()
        self._task = asyncio.create_task(self._loop(), name="webhook-deliverer")

    async def stop(self) -> None:
        """Stop polling; requests in flight get their timeout, then are cut (their claims lapse and retry)."""
        self._stopping.set()
        if self._task is not None:
            with contextlib.suppress(TimeoutError):  # wait_for has cancelled it
                await asyncio.wait_for(self._task, timeout=self.config.webhook_timeout_s + 1)
            self._task = None
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                sent = await self.run_once()
            except Exception:
                log.exception("webhook delivery poll failed")
                sent = 0
            if sent < self.config.webhook_batch_size:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), timeout=self.config.webhook_poll_interval_s)

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            # No redirects followed, no proxy from the environment: the request goes to the checked address.
            # No kept-alive connections either: pooled by address, one opened (and TLS-verified) for one
            # host name would carry another's request when both resolve to the same address.
            self._client = httpx.AsyncClient(
                timeout=self.config.webhook_timeout_s,
                follow_redirects=False,
                trust_env=False,
                limits=httpx.Limits(max_keepalive_connections=0),
            )
        return self._client

    async def run_once(self) -> int:
        """Claim the due deliveries (up to a batch), send them, record each attempt; return how many."""
        claimed = await run_in_threadpool(self._claim)
        if claimed:
            await asyncio.gather(*(self._deliver(row) for row in claimed))
        return len(claimed)

    def _claim(self) -> list[dict[str, Any]]:
        with self.engine.begin() as conn:
            return webhook_deliveries.claim_due(
                conn=conn,
                limit=self.config.webhook_batch_size,
                lease_s=self.config.webhook_timeout_s + LEASE_MARGIN_S,
            )

    async def _deliver(self, row: dict[str, Any]) -> None:
        result = await self._attempt(row)
        await run_in_threadpool(self._record, row, result)

    async def _attempt(self, row: dict[str, Any]) -> AttemptResult:
        started = time.perf_counter()

        def done(status_code: int | None, error: str | None) -> AttemptResult:
            elapsed = int((time.perf_counter() - started) * 1000)
            return AttemptResult(status_code, None if error is None else error[:MAX_ERROR_CHARS], elapsed)

        try:
            secret = self._box.open(row["secret_sealed"], context=secret_context(row["webhook_id"]))
            target = parse_target(row["url"])
            # Checked again now: the name may point elsewhere than when the webhook was registered.
            addresses = await resolve_target(target, allow_loopback=self.settings.is_development)
        except SecretUnreadable:
            return done(None, "the signing secret cannot be read (WEBHOOK_SECRETS_KEY or JWT_SECRET changed)")
        except TargetRefused as exc:
            return done(None, f"target refused: {exc}")
        body = orjson.dumps(row["payload"], option=orjson.OPT_SORT_KEYS)
        url = httpx.URL(row["url"])
        headers = {
            "Host": url.netloc.decode("ascii"),
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            SIGNATURE_HEADER: sign(secret, body),
            EVENT_ID_HEADER: str(row["event_id"]),
            EVENT_TYPE_HEADER: row["event_type"],
        }
        # Sent to the address just checked (a second lookup could answer another); TLS still checks the name.
        pinned = url.copy_with(host=str(addresses[0]))
        extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
        try:
            # Streamed and closed unread: the answer's status is all that counts, whatever its size.
            async with self._http().stream(
                "POST", pinned, content=body, headers=headers, extensions=extensions
            ) as response:
                code = response.status_code
        except Exception as exc:  # any failure to get an answer is one failed attempt, recorded
            return done(None, f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)
        return done(code, None if 200 <= code < 300 else f"HTTP {code}")

    def _record(self, row: dict[str, Any], result: AttemptResult) -> None:
        attempt = int(row["attempt_count"])
        retry_at: datetime | None = None
        if result.delivered:
            status = DeliveryStatus.DELIVERED
        else:
            delay = retry_delay(
                attempt, self.config.webhook_retry_schedule_s, self.config.webhook_retry_jitter, self.draw
            )
            retry_at = after_failure(
                event_at=row["created_at"],
                now=datetime.now(UTC),
                delay_s=delay,
                window_s=self.config.webhook_retry_window_s,
            )
            status = DeliveryStatus.PENDING if retry_at is not None else DeliveryStatus.FAILED
        with self.engine.begin() as conn:
            current = webhook_deliveries.record_attempt(
                conn=conn,
                delivery_id=row["id"],
                attempt_number=attempt,
                status_code=result.status_code,
                error=result.error,
                duration_ms=result.duration_ms,
                status=status,
                next_attempt_at=retry_at,
            )
        if not current:
            log.warning("webhook delivery %s: attempt %d ended after its claim lapsed", row["id"], attempt)
