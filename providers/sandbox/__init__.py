"""Offline sandbox: one local HTTP app that speaks every provider's API over a synthetic world."""
