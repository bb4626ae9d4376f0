"""The operation registry: ids, declared inputs, output contracts, waterfall policies (operations issue)."""
