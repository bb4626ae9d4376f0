"""Ctrl-C at any moment of `dex enrich`'s start-up ends it with one line and exit 130, never a traceback."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from providers.sandbox.server import SandboxServer
from tests.support.dex_process import dex_env

# The submissions a late Ctrl-C leaves behind are emptied after each test (the engine fixture's cleanup).
pytestmark = pytest.mark.usefixtures("engine")

# As the console script starts: the entry module imports the commands under its own guard.
ENTRY = [sys.executable, "-m", "cli.entry"]


# Python's own start-up comes first (its `site` import: 0.05 s on a quiet machine, several tenths under
# load). A Ctrl-C there ends the interpreter with its own fatal error before any of dex has run, so a
# press that lands there is pressed again a little later.
PYTHON_NOT_STARTED = "Fatal Python error: init_import_site"


def _press_ctrl_c(args: list[str], env: dict[str, str], cwd: Path, log: Path, delay_s: float) -> int:
    """Start dex in its own process group, press Ctrl-C after delay_s, and return its exit code."""
    with log.open("wb") as out:
        process = subprocess.Popen(
            args,
            env=env,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own group, as in a terminal: Ctrl-C reaches every process of it
        )
        time.sleep(delay_s)
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)
        try:
            return process.wait(timeout=90)
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)


@pytest.mark.parametrize("delay_s", [0.2, 0.5, 1.0, 2.0, 4.0, 8.0])
def test_ctrl_c_during_start_up_is_one_line(
    delay_s: float,
    state_dir: Path,
    ray_tmpdir: Path,
    scratch_database: str,
    sandbox: SandboxServer,
    tmp_path: Path,
) -> None:
    source = tmp_path / "in.csv"
    source.write_text("Website\nacme.com\nbeta.io\n")
    blueprint = tmp_path / "tech.json"
    blueprint.write_text(
        json.dumps(
            {"name": "ctrl-c", "steps": [{"position": 1, "operation_id": "company.enrich.technographics"}]}
        )
    )
    env = dex_env(
        state_dir, scratch_database, sandbox, RAY_TMPDIR=str(ray_tmpdir), RAY_LOCAL_MODE="in_process"
    )
    args = [*ENTRY, "enrich", str(source), "-b", str(blueprint), "-o", str(tmp_path / "out.csv")]
    log = tmp_path / "dex.log"
    code = _press_ctrl_c(args, env, state_dir, log, delay_s)
    while PYTHON_NOT_STARTED in log.read_text(errors="replace") and delay_s < 3:
        delay_s += 0.2
        code = _press_ctrl_c(args, env, state_dir, log, delay_s)
    output = log.read_text(errors="replace")
    assert "Traceback" not in output and "KeyboardInterrupt" not in output, output
    assert code in (130, 0), output  # 0: it finished before the key was pressed
    if code == 130:
        last = output.strip().splitlines()[-1]
        assert last.startswith(("interrupted", "submission ")), output
        assert "keeps running" not in output, "with Ray in this process, nothing runs the batch after it"
