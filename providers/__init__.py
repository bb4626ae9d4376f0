"""Provider adapters, one module per provider, and the offline sandbox that speaks their APIs."""
