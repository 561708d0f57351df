"""A provider's client secret, sealed in the database with a key derived from SECRET_KEY."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings


def _key() -> bytes:
    return hmac.new(settings.SECRET_KEY.encode(), b"oidc-client-secret", hashlib.sha256).digest()


def seal_client_secret(plain: str) -> str:
    nonce = secrets.token_bytes(12)
    return base64.b64encode(nonce + AESGCM(_key()).encrypt(nonce, plain.encode(), b"")).decode()


def open_client_secret(sealed: str) -> str:
    """The client secret; "" if none is set or SECRET_KEY changed since it was sealed."""
    if not sealed:
        return ""
    try:
        raw = base64.b64decode(sealed)
        return AESGCM(_key()).decrypt(raw[:12], raw[12:], b"").decode()
    except (InvalidTag, ValueError):
        return ""
