"""API keys, webhook secrets and passwords: made here, stored only as hashes."""

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from pwdlib import PasswordHash

KEY_SCHEME = "esq_"
PREFIX_CHARS = 8
_passwords = PasswordHash.recommended()


@dataclass(frozen=True)
class IssuedKey:
    """A new API key: `plaintext` is shown once and never stored."""

    plaintext: str
    prefix: str
    key_hash: str


def hash_key(plaintext: str) -> str:
    """SHA-256 suffices: keys are 256-bit random, so there is nothing to brute-force."""
    return hashlib.sha256(plaintext.encode()).hexdigest()


def new_api_key() -> IssuedKey:
    """A key like `esq_AbCd1234<43 more chars>`; its first characters are the lookup prefix."""
    plaintext = KEY_SCHEME + secrets.token_urlsafe(32)
    return IssuedKey(plaintext=plaintext, prefix=key_prefix(plaintext), key_hash=hash_key(plaintext))


def key_prefix(plaintext: str) -> str:
    """The visible, indexed start of a key."""
    return plaintext[: len(KEY_SCHEME) + PREFIX_CHARS]


def key_matches(plaintext: str, key_hash: str) -> bool:
    """Constant-time comparison of a presented key with a stored hash."""
    return hmac.compare_digest(hash_key(plaintext), key_hash)


def new_webhook_secret() -> str:
    """A Standard Webhooks secret: `whsec_` and base64 of 32 random bytes."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def hash_password(password: str) -> str:
    """Argon2id, via pwdlib."""
    return _passwords.hash(password)


def verify_password(password: str, password_hash: str) -> bool:
    """True when `password` matches the stored hash."""
    return _passwords.verify(password, password_hash)
