"""Password hashes: production parameters where it counts, cheap ones under DEX_ENV=test."""

from __future__ import annotations

import subprocess
import sys

from argon2 import extract_parameters

from api.auth import passwords


def test_production_hashes_are_argon2id_at_rfc_9106_low_memory_cost() -> None:
    stored = passwords.PRODUCTION.hash("correct horse")
    params = extract_parameters(stored)
    assert stored.startswith("$argon2id$")
    assert (params.time_cost, params.memory_cost, params.parallelism) == (3, 65536, 4)
    assert passwords.PRODUCTION.verify(stored, "correct horse")


def test_the_environment_picks_the_hasher_and_either_hash_verifies() -> None:
    probe = "from api.auth import passwords as p; print(p._hasher is p.PRODUCTION)"
    for env, production in (("production", "True"), ("development", "True"), ("test", "False")):
        found = subprocess.run(
            [sys.executable, "-c", probe], env={"DEX_ENV": env}, capture_output=True, text=True, check=True
        )
        assert found.stdout.strip() == production, env
    # A hash made with the production parameters verifies with the cheap hasher, and the reverse.
    assert passwords.verify_password("s3cret!", passwords.PRODUCTION.hash("s3cret!"))
    assert passwords.CHEAP.verify(passwords.PRODUCTION.hash("x"), "x")
    assert passwords.PRODUCTION.verify(passwords.CHEAP.hash("x"), "x")
    assert not passwords.verify_password("wrong", passwords.PRODUCTION.hash("s3cret!"))
