"""The one password policy, checked wherever a password is set, before anything is hashed."""

import threading

from zxcvbn import zxcvbn

from escalq.services.errors import Invalid

MIN_CHARS = 12
MAX_CHARS = 1_024
MIN_SCORE = 3  # zxcvbn's "safely unguessable: moderate protection from offline slow-hash attacks"
# zxcvbn's matching grows steeply with length (minutes for 1,024 repeated characters), so it rates the
# start of a long password; a prefix this long that is strong keeps the whole password strong.
RATED_CHARS = 72
# zxcvbn keeps the user inputs of the call in a module-level dictionary: one rating at a time.
_zxcvbn_lock = threading.Lock()
FIELD = "password"
# A one- or two-letter local part ("a@...") would rule out most passwords; zxcvbn still weighs it.
MIN_LOCAL_CHARS = 3


def check_password(password: str, *, email: str, display_name: str = "") -> None:
    """Refuse a password that is too short, too long, contains the email's local part or is easy to guess.

    Length is checked first, so a huge password is refused before any costly work.
    """
    if len(password) < MIN_CHARS:
        raise Invalid(f"a password needs at least {MIN_CHARS} characters", field=FIELD)
    if len(password) > MAX_CHARS:
        raise Invalid(f"a password may have at most {MAX_CHARS} characters", field=FIELD)
    local = email.strip().lower().partition("@")[0]
    if len(local) >= MIN_LOCAL_CHARS and local in password.lower():
        raise Invalid(f"a password must not contain {local!r}, the start of the email address", field=FIELD)
    with _zxcvbn_lock:
        rating = zxcvbn(password[:RATED_CHARS], user_inputs=[email, display_name, *display_name.split()])
    if rating["score"] < MIN_SCORE:
        feedback = rating["feedback"]
        advice = " ".join(part for part in [feedback["warning"], *feedback["suggestions"]] if part)
        raise Invalid(f"this password is too easy to guess. {advice}".strip(), field=FIELD)
