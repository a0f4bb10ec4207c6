"""Print results for people, or as one JSON object for scripts (`--json`)."""

import json
from typing import Any

import click


def emit(as_json: bool, record: dict[str, Any], text: str) -> None:
    """One JSON object with `--json`, else the human-readable text."""
    click.echo(json.dumps(record, default=str) if as_json else text)


json_option = click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
