"""Run the sandbox as a real HTTP server: `python -m providers.sandbox`, `dex sandbox`, `SandboxServer`."""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx
from pydantic import ValidationError

from providers.sandbox.app import DEFAULT_SANDBOX_KEY
from providers.sandbox.knobs import ProviderKnobs

DEFAULT_SEED = 7
DEFAULT_COMPANIES = 20_000


def free_port() -> int:
    """Return a TCP port that is free on loopback right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class SandboxServer:
    """The sandbox in a subprocess on a free loopback port, for tests, the demo and benchmarks."""

    def __init__(
        self,
        *,
        seed: int = DEFAULT_SEED,
        companies: int = DEFAULT_COMPANIES,
        knobs: dict[str, dict[str, Any]] | None = None,
        default_knobs: dict[str, Any] | None = None,
        api_key: str = DEFAULT_SANDBOX_KEY,
        port: int | None = None,
        startup_timeout_s: float = 90.0,
    ) -> None:
        self.port = port or free_port()
        self.api_key = api_key
        self.url = f"http://127.0.0.1:{self.port}"
        self._args = [
            sys.executable, "-m", "providers.sandbox",
            "--host", "127.0.0.1", "--port", str(self.port),
            "--seed", str(seed), "--companies", str(companies), "--api-key", api_key,
            "--knobs", json.dumps(knobs or {}), "--default-knobs", json.dumps(default_knobs or {}),
        ]  # fmt: skip
        self._startup_timeout_s = startup_timeout_s
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> SandboxServer:
        """Start the server and wait until it answers."""
        root = str(Path(__file__).resolve().parents[2])
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")])),
        }
        self._process = subprocess.Popen(
            self._args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        deadline = time.monotonic() + self._startup_timeout_s
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                error = self._process.stderr.read().decode() if self._process.stderr else ""
                raise RuntimeError(f"the sandbox exited during start-up: {error[-2000:]}")
            try:
                if httpx.get(f"{self.url}/_sandbox/health", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"the sandbox did not answer within {self._startup_timeout_s:.0f}s")

    def stop(self) -> None:
        """Stop the server."""
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
        self._process = None

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def stats(self) -> dict[str, Any]:
        """Return per-provider stats."""
        return dict(httpx.get(f"{self.url}/_sandbox/stats", timeout=10).json())

    def set_knobs(self, changes: dict[str, dict[str, Any]]) -> dict[str, Any]:
        """Change knobs at run time, e.g. {"leadmagic": {"rate_per_second": 5}}."""
        response = httpx.post(f"{self.url}/_sandbox/knobs", json=changes, timeout=10)
        response.raise_for_status()
        return dict(response.json())

    def reset(self) -> None:
        """Zero the stats (knobs stay)."""
        httpx.post(f"{self.url}/_sandbox/reset", timeout=10).raise_for_status()


def parse_knobs(raw: str, default_raw: str, names: list[str]) -> dict[str, ProviderKnobs]:
    """Build each provider's knobs from JSON: defaults for all, then per-provider overrides."""
    try:
        default = json.loads(default_raw or "{}")
        specific = json.loads(raw or "{}")
        if not isinstance(default, dict) or not isinstance(specific, dict):
            raise ValueError("knobs must be JSON objects")
        unknown = sorted(set(specific) - set(names))
        if unknown:
            raise ValueError(f"unknown provider(s): {', '.join(unknown)}")
        return {name: ProviderKnobs.model_validate({**default, **specific.get(name, {})}) for name in names}
    except (ValueError, ValidationError) as exc:
        raise SystemExit(f"error: invalid sandbox knobs: {exc}") from exc


def main(argv: list[str] | None = None) -> None:
    """Serve the sandbox until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m providers.sandbox", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8900)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--companies", type=int, default=DEFAULT_COMPANIES)
    parser.add_argument("--api-key", default=DEFAULT_SANDBOX_KEY, help="the key every provider accepts")
    parser.add_argument(
        "--knobs", default="{}", help='per provider, e.g. {"prospeo": {"rate_per_second": 5}}'
    )
    parser.add_argument("--default-knobs", default="{}", help='for all providers, e.g. {"latency_ms": 50}')
    args = parser.parse_args(argv)
    serve(args.host, args.port, seed=args.seed, companies=args.companies, api_key=args.api_key,
          knobs=args.knobs, default_knobs=args.default_knobs)  # fmt: skip


def serve(
    host: str,
    port: int,
    *,
    seed: int,
    companies: int,
    api_key: str,
    knobs: str = "{}",
    default_knobs: str = "{}",
) -> None:
    """Build the world and serve every sandboxed provider on host:port."""
    import uvicorn

    from providers.sandbox.app import create_sandbox_app
    from providers.sandbox.routes import sandbox_providers
    from providers.sandbox.world import World

    providers = sandbox_providers()
    parsed = parse_knobs(knobs, default_knobs, sorted(providers))
    app = create_sandbox_app(
        World(seed=seed, company_count=companies), providers, knobs=parsed, api_key=api_key, seed=seed
    )
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False, timeout_graceful_shutdown=1)
