"""`dex bench`: the benchmarks (`python -m benchmarks`), each printing ratios measured in one run."""

from __future__ import annotations

from typing import Annotated

import typer

from cli.context import CliError, one_line_errors

app = typer.Typer(help="Run the benchmarks.")


@app.command("bench")
@one_line_errors
def bench(
    names: Annotated[
        list[str] | None, typer.Argument(help="Benchmarks to run (default: all), e.g. api_auth.")
    ] = None,
    quick: Annotated[bool, typer.Option("--quick", help="Smaller sizes, for a smoke run.")] = False,
) -> None:
    """Run the benchmarks (all, or those named); each prints ratios to a baseline of the same run."""
    from benchmarks.__main__ import available, main

    unknown = sorted(set(names or []) - set(available()))
    if unknown:
        raise CliError(f"unknown benchmark(s): {', '.join(unknown)} (known: {', '.join(available())})")
    code = main([*(["--quick"] if quick else []), *(names or [])])
    raise typer.Exit(code)
