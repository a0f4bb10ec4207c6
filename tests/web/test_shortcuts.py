"""Which key presses the queue takes, and which it leaves to the page."""

import pytest

from escalq.state.shortcuts import SHORTCUTS, Move, move_for

PLAIN = {"alt_key": False, "ctrl_key": False, "meta_key": False, "shift_key": False}


@pytest.mark.parametrize(
    ("key", "move"),
    [
        ("j", Move.next),
        ("ArrowDown", Move.next),
        ("k", Move.previous),
        ("ArrowUp", Move.previous),
        ("Enter", Move.open),
        ("o", Move.open),
        ("c", Move.claim),
        ("r", Move.resolve),
        ("x", None),
    ],
)
def test_keys_on_the_page(key, move):
    assert move_for(key, PLAIN, "") == move


def test_question_mark_comes_with_shift():
    assert move_for("?", {**PLAIN, "shift_key": True}, "") == Move.help


@pytest.mark.parametrize("modifier", ["ctrl_key", "alt_key", "meta_key"])
def test_browser_shortcuts_are_left_alone(modifier):
    assert move_for("c", {**PLAIN, modifier: True}, "") is None


def test_typing_is_never_a_shortcut():
    assert [move_for(key, PLAIN, "text") for key in ("j", "c", "r", "?", "Enter")] == [None] * 5


def test_a_focused_control_keeps_enter_and_arrows_but_letters_still_work():
    assert [move_for(key, PLAIN, "control") for key in ("Enter", "ArrowDown", "ArrowUp", "j", "c")] == [
        None,
        None,
        None,
        Move.next,
        Move.claim,
    ]


def test_the_help_lists_every_move():
    assert {shortcut.move for shortcut in SHORTCUTS} == set(Move)
