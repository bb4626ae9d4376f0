"""benchmarks: arrives with its issue."""
