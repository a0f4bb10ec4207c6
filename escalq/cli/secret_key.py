"""Which ESCALQ_SECRET_KEY `escalq run` uses: the configured one, else a local one it keeps in .data/."""

import os
from dataclasses import dataclass
from pathlib import Path

from escalq.cli.servers import shown_path
from escalq.config import Settings
from escalq.services import vault
from escalq.services.errors import Misconfigured

KEY_FILE = "secret.key"


@dataclass(frozen=True)
class KeyChoice:
    """`local` is the key to hand to this process and its children when none was configured."""

    local: str | None
    note: str


def choose(*, settings: Settings, data_dir: Path) -> KeyChoice:
    """The configured key list if set (and valid), else the local key, created on first use.

    A configured DATABASE_URL may hold secrets that outlive this checkout's .data/, and other machines'
    workers must read them too: such an instance is given its key, never a made-up local one.
    """
    configured = settings.secret_key.get_secret_value() if settings.secret_key else ""
    if configured.strip():
        vault.parse_keys(configured)
        return KeyChoice(local=None, note=f"Secret key: configured ({vault.SETTING})")
    if "database_url" in settings.model_fields_set:
        raise Misconfigured(
            f"{vault.SETTING} is not set, and DATABASE_URL is: a configured database needs its own key, "
            f"kept where every escalq process can read it. {vault.NEW_KEY_HINT}"
        )
    key, created = local_key(data_dir)
    where = shown_path(data_dir / KEY_FILE)
    made = "created " if created else ""
    return KeyChoice(local=key, note=f"Secret key: {made}{where}, since {vault.SETTING} is not set")


def local_key(data_dir: Path) -> tuple[str, bool]:
    """The key in `data_dir`/secret.key, created readable by this user only when missing; True if created."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / KEY_FILE
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        if path.stat().st_mode & 0o077:
            raise Misconfigured(f"{path} can be read by other users: `chmod 600 {path}`") from None
        key = path.read_text().strip()
        vault.parse_keys(key)
        return key, False
    key = vault.new_key()
    with os.fdopen(descriptor, "w") as file:
        file.write(key + "\n")
    return key, True
