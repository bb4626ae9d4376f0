"""The `dex` console script's entry: the commands are imported here, so Ctrl-C while they load is quiet.

It also notes when Ctrl-C was pressed: a library interrupted mid-way (Ray starting, PostgreSQL
starting) may turn the KeyboardInterrupt into an error of its own, and a command that fails after a
Ctrl-C ends as interrupted (exit 130), not as that error.
"""

from __future__ import annotations

import os
import signal
import sys
from types import FrameType

INTERRUPTED = 130  # the shell's code for a process ended by Ctrl-C
_pressed: list[int] = []


def _on_ctrl_c(signum: int, frame: FrameType | None) -> None:
    _pressed.append(signum)
    raise KeyboardInterrupt


def interrupted() -> bool:
    """Tell whether Ctrl-C was pressed since this process started (as the `dex` command)."""
    return bool(_pressed)


def main() -> None:
    """Import the command line (a second or two of imports) and run it; Ctrl-C meanwhile ends quietly."""
    signal.signal(signal.SIGINT, _on_ctrl_c)
    try:
        from cli.main import main as run
    except KeyboardInterrupt:
        # Nothing has started yet, so nothing needs cleaning up: end now, with the shell's Ctrl-C code.
        # (Raising SystemExit here was seen to end the process as killed by SIGINT, exit -2, when the
        # Ctrl-C landed about 0.1 s in, during the first imports.)
        print("interrupted", file=sys.stderr, flush=True)
        os._exit(INTERRUPTED)
    run()


if __name__ == "__main__":
    main()
