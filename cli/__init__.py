"""The `dex` command line."""
