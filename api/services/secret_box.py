"""Encrypt small secrets at rest (webhook signing secrets): AES-256-GCM under a key from the settings.

A signing secret cannot be hashed as API tokens are, since every delivery needs it in the clear to
sign. Each value is sealed with a fresh nonce and bound to its row (`context` is authenticated
data), so a sealed value copied onto another row does not open there.
"""

from __future__ import annotations

import base64
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from config import Settings

_VERSION = "v1"
_NONCE_BYTES = 12


class SecretUnreadable(Exception):
    """A sealed value does not open: another key sealed it, or it was altered."""


class SecretBox:
    """Seal and open short strings with one key."""

    def __init__(self, key_material: bytes, *, purpose: bytes) -> None:
        # HKDF turns whatever configured secret into a uniform key, distinct per purpose.
        kdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"dex:" + purpose)
        self._aead = AESGCM(kdf.derive(key_material))

    def seal(self, plaintext: str, *, context: str) -> str:
        """Return `v1.<base64url(nonce + ciphertext)>` of plaintext, bound to context."""
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, plaintext.encode(), context.encode())
        return f"{_VERSION}.{base64.urlsafe_b64encode(nonce + sealed).decode()}"

    def open(self, token: str, *, context: str) -> str:
        """Return the plaintext sealed in token for context, or raise SecretUnreadable."""
        version, _, encoded = token.partition(".")
        if version != _VERSION:
            raise SecretUnreadable(f"unknown sealed-secret version {version!r}")
        try:
            raw = base64.urlsafe_b64decode(encoded.encode())
            opened = self._aead.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], context.encode())
        except (InvalidTag, ValueError) as exc:
            raise SecretUnreadable("the secret does not open with this key") from exc
        return opened.decode()


def webhook_secret_box(settings: Settings) -> SecretBox:
    """Return the box of webhook signing secrets: WEBHOOK_SECRETS_KEY, else a key derived from JWT_SECRET."""
    configured = settings.webhooks.webhook_secrets_key or settings.auth.jwt_secret
    assert configured is not None  # the settings fill in or require JWT_SECRET
    return SecretBox(configured.get_secret_value().encode(), purpose=b"webhook-signing-secrets")
