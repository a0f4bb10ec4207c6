"""The bench's one table: every section's figures, each beside its ceiling, with the ratio and the target."""

from dataclasses import dataclass, field

COLUMNS = ("figure", "measured", "ceiling", "ratio", "target", "result")
RATIO = COLUMNS.index("ratio")  # the one column aligned right


@dataclass(frozen=True)
class Row:
    name: str
    value: str
    ceiling: str
    ratio: float | None
    target: str
    met: bool | None  # None: shown for information


@dataclass(frozen=True)
class Part:
    """One section's share of the report: its rows, lines for above the table and for below it."""

    rows: list[Row]
    notes: list[str] = field(default_factory=list)
    listing: list[str] = field(default_factory=list)


def missed(rows: list[Row]) -> bool:
    """True when a goal row missed its target."""
    return any(row.met is False for row in rows)


def lines(rows: list[Row]) -> list[str]:
    """The table: a heading, a rule, a line per row, columns as wide as their widest cell."""
    cells = [COLUMNS, *(_cells(row) for row in rows)]
    widths = [max(len(line[n]) for line in cells) for n in range(len(COLUMNS))]

    def render(line: tuple[str, ...]) -> str:
        return "  ".join(
            cell.rjust(width) if n == RATIO else cell.ljust(width)
            for n, (cell, width) in enumerate(zip(line, widths, strict=True))
        ).rstrip()

    return [render(COLUMNS), "-" * (sum(widths) + 2 * (len(COLUMNS) - 1)), *map(render, cells[1:])]


def _cells(row: Row) -> tuple[str, ...]:
    ratio = f"{row.ratio:.3f}" if row.ratio is not None else ""
    result = "information" if row.met is None else ("met" if row.met else "MISSED")
    return (row.name, row.value, row.ceiling, ratio, row.target, result)


def within_ceiling(name: str, *, value: str, ceiling: str, ratio: float, goal: bool) -> Row:
    """A figure held to its ceiling (a goal misses above 1x it), or shown beside it for information."""
    return Row(
        name=name,
        value=value,
        ceiling=ceiling,
        ratio=ratio,
        target="<= 1.0x" if goal else "",
        met=ratio <= 1 if goal else None,
    )
