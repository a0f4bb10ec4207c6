"""The queue's keyboard shortcuts: which key does what, and when a key is left to the page instead."""

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import reflex as rx


class Move(StrEnum):
    next = "next"
    previous = "previous"
    open = "open"
    claim = "claim"
    resolve = "resolve"
    help = "help"


@dataclass(frozen=True)
class Shortcut:
    keys: tuple[str, ...]
    move: Move
    description: str


SHORTCUTS = (
    Shortcut(("j", "↓"), Move.next, "Select the next escalation"),
    Shortcut(("k", "↑"), Move.previous, "Select the previous escalation"),
    Shortcut(("Enter", "o"), Move.open, "Open the selected escalation"),
    Shortcut(("c",), Move.claim, "Claim the selected escalation"),
    Shortcut(("r",), Move.resolve, "Resolve the selected escalation"),
    Shortcut(("?",), Move.help, "Show or hide this list"),
)
# KeyboardEvent.key for what the list shows as a glyph.
_KEY_NAMES = {"↓": "ArrowDown", "↑": "ArrowUp"}
_BY_KEY = {_KEY_NAMES.get(key, key): shortcut.move for shortcut in SHORTCUTS for key in shortcut.keys}
# The KeyboardEvent.key values worth sending to the server at all (the page drops every other key).
KEYS = sorted(_BY_KEY)
# Keys a focused button, link, select or radio group already answers to (activate, move within it).
_CONTROL_KEYS = {"Enter", "ArrowDown", "ArrowUp"}

# Where the keyboard focus is when a key goes down, sent with the key: "text" while typing (the key is
# the text's), "control" on anything that handles Enter or arrows itself, else "".
_TEXT = "input, textarea, select, [contenteditable]:not([contenteditable='false'])"
_CONTROLS = (
    "a[href], button, [role='button'], [role='combobox'], [role='option'], [role='radio'], [role='tab'],"
    " [role='menuitem'], [role='slider']"
)
FOCUS: rx.Var[str] = rx.Var(
    f"""((el) => !el ? "" : el.closest("{_TEXT}") ? "text" : el.closest("{_CONTROLS}") ? "control" : "")"""
    "(document.activeElement)"
)


def move_for(key: str, modifiers: dict[str, Any], focus: str) -> Move | None:
    """The move a key press asks for, or None to leave it to the page (typing, browser shortcuts)."""
    if focus == "text" or any(modifiers.get(m) for m in ("ctrl_key", "alt_key", "meta_key")):
        return None
    if focus == "control" and key in _CONTROL_KEYS:
        return None
    return _BY_KEY.get(key)
