"""The `dex` console script's entry: the commands are imported here, so Ctrl-C while they load is quiet."""

from __future__ import annotations

import sys

INTERRUPTED = 130  # the shell's code for a process ended by Ctrl-C


def main() -> None:
    """Import the command line (a second or two of imports) and run it; Ctrl-C meanwhile ends quietly."""
    try:
        from cli.main import main as run
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        raise SystemExit(INTERRUPTED) from None
    run()


if __name__ == "__main__":
    main()
