"""The key list in ESCALQ_SECRET_KEY: the first key encrypts, every key decrypts, bad keys are named."""

import pytest

from escalq.services import vault
from escalq.services.errors import Misconfigured

KEY_A = vault.new_key()
KEY_B = vault.new_key()


def test_a_token_is_not_the_plaintext_and_reads_back():
    token = vault.encrypt("whsec_plain")

    assert "whsec_plain" not in token
    assert token != vault.encrypt("whsec_plain"), "Fernet tokens are randomized"
    assert vault.decrypt(token, what="the secret") == "whsec_plain"


def test_a_secret_encrypted_with_a_reads_with_b_then_a_and_after_rotation_with_b_alone(use_secret_key):
    use_secret_key(KEY_A)
    token = vault.encrypt("whsec_plain")

    use_secret_key(f"{KEY_B}, {KEY_A}")
    assert vault.decrypt(token, what="the secret") == "whsec_plain"
    rotated = vault.reencrypt(token, what="the secret")

    use_secret_key(KEY_B)
    assert vault.decrypt(rotated, what="the secret") == "whsec_plain"
    with pytest.raises(Misconfigured) as refused:
        vault.decrypt(token, what="the webhook secret of agent 'bot'")
    assert (
        "the webhook secret of agent 'bot' cannot be decrypted with ESCALQ_SECRET_KEY"
        in refused.value.message
    )


@pytest.mark.parametrize("value", [None, "", "  "])
def test_a_missing_key_is_refused_with_how_to_make_one(use_secret_key, value):
    use_secret_key(value)

    with pytest.raises(Misconfigured) as refused:
        vault.require_key()

    assert "ESCALQ_SECRET_KEY is not set" in refused.value.message
    assert "escalq secrets new-key" in refused.value.message
    with pytest.raises(Misconfigured):
        vault.encrypt("whsec_plain")


@pytest.mark.parametrize(
    ("value", "which"),
    [
        ("not-a-key", "key 1 of 1"),
        (f"{KEY_A},", "key 2 of 2"),
        (f"{KEY_A},{KEY_B[:-4]}", "key 2 of 2"),
    ],
)
def test_a_malformed_key_is_named_by_position_never_shown(use_secret_key, value, which):
    use_secret_key(value)

    with pytest.raises(Misconfigured) as refused:
        vault.require_key()

    assert f"ESCALQ_SECRET_KEY: {which} is not a Fernet key" in refused.value.message
    assert KEY_A not in refused.value.message and KEY_B[:-4] not in refused.value.message


def test_a_good_key_list_is_accepted(use_secret_key):
    use_secret_key(f"{KEY_B},{KEY_A}")

    vault.require_key()
