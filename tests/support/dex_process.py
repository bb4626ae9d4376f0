"""Run `dex` as a user does: its own process, configured by environment variables only."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import httpx

from config import ProviderSettings
from providers.sandbox.server import SandboxServer
from tests.factories import TEST_SECRETS

DEX = [sys.executable, "-m", "cli.main"]


def dex_env(state_dir: Path, database_url: str, sandbox: SandboxServer, **extra: str) -> dict[str, str]:
    """The environment of a dex process on the scratch database, the sandbox, and its own state folder."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RAY_", "DEX_"))}
    env.update({name.upper(): value for name, value in TEST_SECRETS.items()})
    env.update(ProviderSettings.sandbox_environment(sandbox.url, sandbox.api_key))
    env.update(
        DEX_ENV="test",
        DEX_STATE_DIR=str(state_dir),
        DATABASE_URL=database_url,
        RAY_NUM_CPUS="2",
        RAY_INCLUDE_DASHBOARD="false",
        RAY_LOCAL_MODE="persistent",
        COLUMNS="200",
    )
    env.update(extra)
    return env


def run_dex(env: Mapping[str, str], *args: str, timeout_s: float = 300) -> subprocess.CompletedProcess[str]:
    """Run one dex command to its end; return its exit code and output (stdout and stderr together)."""
    return subprocess.run(
        [*DEX, *args],
        env=dict(env),
        cwd=env["DEX_STATE_DIR"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=timeout_s,
        check=False,
    )


def start_serve(env: Mapping[str, str], port: int, log_path: Path) -> subprocess.Popen[bytes]:
    """Start `dex serve` on the port and wait until it answers /health."""
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [*DEX, "serve", "--port", str(port)],
            env=dict(env),
            cwd=env["DEX_STATE_DIR"],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(
                f"dex serve exited with {process.returncode}: {log_path.read_text()[-2000:]}"
            )
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    process.kill()
    raise AssertionError(f"dex serve did not answer in time: {log_path.read_text()[-2000:]}")
