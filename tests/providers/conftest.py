"""Provider test fixtures: an HTTP client per test (sandbox and world fixtures: tests/conftest.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from providers.http import HttpClient
from tests.support.sandbox import COMPANIES, NEUTRAL_KNOBS, SEED, knobs, sandbox_endpoint

__all__ = ["COMPANIES", "NEUTRAL_KNOBS", "SEED", "knobs", "sandbox_endpoint"]


@pytest.fixture
async def client() -> AsyncIterator[HttpClient]:
    async with HttpClient(max_connections=50, default_timeout_s=10) as http:
        yield http
