"""Benchmarks: each module `bench_*.py` has `run(quick)` and prints ratios measured within one run."""
