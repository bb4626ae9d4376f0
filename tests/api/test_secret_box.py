"""Sealed secrets open only with their key and on their own row."""

from __future__ import annotations

import pytest

from api.services.secret_box import SecretBox, SecretUnreadable

KEY = b"k" * 40


def test_a_sealed_secret_opens_with_its_key_and_context() -> None:
    box = SecretBox(KEY, purpose=b"test")
    sealed = box.seal("whsec_abc", context="webhook:1")
    assert sealed.startswith("v1.") and "whsec_abc" not in sealed
    assert box.seal("whsec_abc", context="webhook:1") != sealed  # a fresh nonce each time
    assert box.open(sealed, context="webhook:1") == "whsec_abc"


@pytest.mark.parametrize(
    ("box", "context", "tamper"),
    [
        (SecretBox(KEY, purpose=b"test"), "webhook:2", False),
        (SecretBox(b"j" * 40, purpose=b"test"), "webhook:1", False),
        (SecretBox(KEY, purpose=b"other"), "webhook:1", False),
        (SecretBox(KEY, purpose=b"test"), "webhook:1", True),
    ],
    ids=["another row", "another key", "another purpose", "altered"],
)
def test_it_does_not_open_elsewhere(box: SecretBox, context: str, tamper: bool) -> None:
    sealed = SecretBox(KEY, purpose=b"test").seal("whsec_abc", context="webhook:1")
    if tamper:
        middle = len(sealed) // 2  # a character of the ciphertext, not of the base64 padding
        sealed = sealed[:middle] + ("A" if sealed[middle] != "A" else "B") + sealed[middle + 1 :]
    with pytest.raises(SecretUnreadable):
        box.open(sealed, context=context)
    with pytest.raises(SecretUnreadable):
        box.open("v0." + sealed[3:], context="webhook:1")
