"""What changes between two policy documents, field by field."""

from dataclasses import dataclass
from typing import Any

from escalq.schemas.policy import PolicyDocument


@dataclass(frozen=True)
class Change:
    """One field that differs: its dotted path (list items by index), and its value before and after."""

    path: str
    before: Any
    after: Any

    def as_json(self) -> dict[str, Any]:
        return {"path": self.path, "before": self.before, "after": self.after}

    def __str__(self) -> str:
        return f"{self.path}: {_shown(self.before)} -> {_shown(self.after)}"


_ABSENT = "(none)"


def diff(before: PolicyDocument, after: PolicyDocument) -> list[Change]:
    """The fields whose values differ, in document order."""
    return list(_walk("", before.model_dump(mode="json"), after.model_dump(mode="json")))


def _walk(path: str, before: Any, after: Any) -> Any:
    if isinstance(before, dict) and isinstance(after, dict):
        for key in [*before, *(k for k in after if k not in before)]:
            yield from _walk(
                f"{path}.{key}" if path else key, before.get(key, _ABSENT), after.get(key, _ABSENT)
            )
    elif isinstance(before, list) and isinstance(after, list):
        for index in range(max(len(before), len(after))):
            yield from _walk(
                f"{path}[{index}]",
                before[index] if index < len(before) else _ABSENT,
                after[index] if index < len(after) else _ABSENT,
            )
    elif before != after:
        yield Change(path=path, before=before, after=after)


def _shown(value: Any) -> str:
    return value if value == _ABSENT else repr(value)
