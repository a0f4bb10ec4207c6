"""The key `escalq run` uses: the configured one, else a local one in .data/, never for a set DATABASE_URL."""

import stat

import pytest

from escalq.cli.secret_key import KEY_FILE, choose
from escalq.config import Settings
from escalq.services import vault
from escalq.services.errors import Misconfigured


@pytest.fixture
def settings_from(monkeypatch):
    """Settings from exactly the given environment (no .env)."""

    def make(**env: str) -> Settings:
        for name in ("ESCALQ_SECRET_KEY", "DATABASE_URL"):
            monkeypatch.delenv(name, raising=False)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        return Settings(_env_file=None)

    return make


def test_a_configured_key_is_used_as_it_is(settings_from, tmp_path):
    choice = choose(settings=settings_from(ESCALQ_SECRET_KEY=vault.new_key()), data_dir=tmp_path)

    assert choice.local is None
    assert choice.note == "Secret key: configured (ESCALQ_SECRET_KEY)"
    assert not (tmp_path / KEY_FILE).exists()


def test_a_malformed_configured_key_is_refused(settings_from, tmp_path):
    with pytest.raises(Misconfigured, match="key 1 of 1 is not a Fernet key"):
        choose(settings=settings_from(ESCALQ_SECRET_KEY="secret"), data_dir=tmp_path)


def test_without_a_key_a_local_one_is_created_readable_only_by_its_owner_and_kept(settings_from, tmp_path):
    data_dir = tmp_path / ".data"

    first = choose(settings=settings_from(), data_dir=data_dir)
    again = choose(settings=settings_from(ESCALQ_SECRET_KEY=""), data_dir=data_dir)

    path = data_dir / KEY_FILE
    assert first.local is not None and vault.parse_keys(first.local)
    assert path.read_text().strip() == first.local
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert first.note == f"Secret key: created {path}, since ESCALQ_SECRET_KEY is not set"
    assert again.local == first.local
    assert again.note == f"Secret key: {path}, since ESCALQ_SECRET_KEY is not set"


def test_a_local_key_others_can_read_is_refused(settings_from, tmp_path):
    choose(settings=settings_from(), data_dir=tmp_path)
    (tmp_path / KEY_FILE).chmod(0o644)

    with pytest.raises(Misconfigured, match="can be read by other users: `chmod 600"):
        choose(settings=settings_from(), data_dir=tmp_path)


def test_a_configured_database_without_a_key_refuses_to_start(settings_from, tmp_path):
    settings = settings_from(DATABASE_URL="postgresql+psycopg://db.example/escalq")

    with pytest.raises(Misconfigured) as refused:
        choose(settings=settings, data_dir=tmp_path)

    assert refused.value.message.startswith("ESCALQ_SECRET_KEY is not set, and DATABASE_URL is")
    assert "`escalq secrets new-key` prints a new key" in refused.value.message
    assert not (tmp_path / KEY_FILE).exists()
