"""Every event handler the app's socket accepts, found by walking the Reflex state tree of the real app."""

from collections.abc import Iterator
from dataclasses import dataclass

import reflex as rx
from reflex.event import EventHandler
from reflex.state import BaseState
from reflex.utils.format import format_event_handler

import escalq.escalq  # noqa: F401  (imports every page and state, as `reflex run` does)


@dataclass(frozen=True)
class Found:
    state: type[BaseState]
    name: str
    handler: EventHandler

    @property
    def event_name(self) -> str:
        """The name a browser sends over the socket."""
        return format_event_handler(self.handler)

    @property
    def label(self) -> str:
        return f"{self.state.__name__}.{self.name}"


def states(root: type[BaseState] = rx.State) -> Iterator[type[BaseState]]:
    """`root` and every state class below it."""
    yield root
    for substate in sorted(root.get_substates(), key=lambda cls: cls.get_full_name()):
        yield from states(substate)


def every_handler() -> list[Found]:
    """Each handler of each state class, Reflex's own and the generated `setvar`s included."""
    return [
        Found(state, name, handler)
        for state in states()
        for name, handler in sorted(state.event_handlers.items())
    ]


def found_named(state: str, name: str) -> Found:
    """The handler `name` of the state class called `state`."""
    return next(f for f in every_handler() if f.state.__name__ == state and f.name == name)
