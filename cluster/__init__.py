"""The Ray execution cluster: coordinator, chunk tasks, provider gateways, result sink (engine issue)."""
