"""`python -m providers.sandbox`: serve every sandboxed provider API on loopback."""

from providers.sandbox.server import main

main()
