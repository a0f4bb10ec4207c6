"""Mask obvious secrets and personal data before text leaves escalq in Slack or email."""

import re

_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("[key]", re.compile(r"\b(?:sk|pk|rk|esq|ghp|gho|xox[abprs])[-_][A-Za-z0-9_\-]{10,}")),
    ("[key]", re.compile(r"\bAKIA[0-9A-Z]{16}\b")),
    (
        "[secret]",
        re.compile(r"(?i)\b(?:bearer\s+|(?:token|secret|password|passwd|api[_-]?key)\s*[:=]\s*)\S{6,}"),
    ),
    ("[email]", re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b")),
)
_CARD = re.compile(r"\b\d(?:[ -]?\d){12,18}\b")
_PHONE = re.compile(r"(?<![\w.:/])\+?\(?\d[\d ().-]{7,}\d(?![\w.:/]|[.,]\d)")
PHONE_DIGITS = 9  # fewer digits is more likely an amount or an id
_NOT_A_PHONE = re.compile(r"\d{4}-\d{2}-\d{2}|[.,]\d{2}$")  # a date, or an amount with cents


def _luhn(digits: str) -> bool:
    total, parity = 0, len(digits) % 2
    for index, char in enumerate(digits):
        value = int(char)
        if index % 2 == parity:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _card(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group())
    return f"[card …{digits[-4:]}]" if 13 <= len(digits) <= 19 and _luhn(digits) else match.group()


def _phone(match: re.Match[str]) -> str:
    text = match.group()
    looks_like_phone = len(re.sub(r"\D", "", text)) >= PHONE_DIGITS and not _NOT_A_PHONE.search(text)
    return "[phone]" if looks_like_phone else text


def mask(text: str) -> str:
    """The text with card numbers (Luhn-checked), API keys, credentials, emails and phone numbers masked."""
    masked = _CARD.sub(_card, text)
    for replacement, pattern in _PATTERNS:
        masked = pattern.sub(replacement, masked)
    return _PHONE.sub(_phone, masked)
