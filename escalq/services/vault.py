"""Secrets at rest: Fernet tokens under the key list in ESCALQ_SECRET_KEY (first encrypts, all decrypt)."""

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from escalq.config import get_settings
from escalq.services.errors import Misconfigured

SETTING = "ESCALQ_SECRET_KEY"
NEW_KEY_HINT = "`escalq secrets new-key` prints a new key"


def new_key() -> str:
    """A fresh Fernet key (32 random bytes, url-safe base64)."""
    return Fernet.generate_key().decode()


def parse_keys(value: str | None) -> MultiFernet:
    """The key list in `value`; Misconfigured names the setting (never a key) when missing or malformed."""
    if value is None or not value.strip():
        raise Misconfigured(
            f"{SETTING} is not set: escalq encrypts stored secrets with it and needs it to start. "
            f"{NEW_KEY_HINT}; set it in the environment or .env (`escalq run` keeps a local one in .data/)"
        )
    entries = [entry.strip() for entry in value.split(",")]
    fernets = []
    for number, entry in enumerate(entries, start=1):
        try:
            fernets.append(Fernet(entry))
        except ValueError:
            raise Misconfigured(
                f"{SETTING}: key {number} of {len(entries)} is not a Fernet key "
                f"(32 bytes in url-safe base64); {NEW_KEY_HINT}"
            ) from None
    return MultiFernet(fernets)


def require_key() -> None:
    """Refuse (Misconfigured) unless the configured key list is usable: every process checks it at start."""
    keyring()


def keyring() -> MultiFernet:
    """The configured key list."""
    secret = get_settings().secret_key
    return _keyring(None if secret is None else secret.get_secret_value())


@lru_cache(maxsize=4)
def _keyring(value: str | None) -> MultiFernet:
    return parse_keys(value)


def encrypt(plaintext: str) -> str:
    """A token for `plaintext` under the first key."""
    return keyring().encrypt(plaintext.encode()).decode()


def decrypt(token: str, *, what: str) -> str:
    """The plaintext of `token`; `what` names the secret in the error when no key in the list opens it."""
    try:
        return keyring().decrypt(token.encode()).decode()
    except InvalidToken:
        raise _unreadable(what) from None


def reencrypt(token: str, *, what: str) -> str:
    """`token` encrypted again under the first key (for after a new key was put first)."""
    try:
        return keyring().rotate(token.encode()).decode()
    except InvalidToken:
        raise _unreadable(what) from None


def _unreadable(what: str) -> Misconfigured:
    return Misconfigured(
        f"{what} cannot be decrypted with {SETTING}: none of its keys is the one it was encrypted with "
        "(put the old key back in the list, after the new one)"
    )
