"""Print results for people, or as one JSON object for scripts (`--json`); refusals as one line."""

import json
from collections.abc import Callable
from functools import wraps
from typing import Any

import click

from escalq.services.errors import DomainError


def emit(as_json: bool, record: dict[str, Any], text: str) -> None:
    """One JSON object with `--json`, else the human-readable text."""
    click.echo(json.dumps(record, default=str) if as_json else text)


json_option = click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")


def domain_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Show a refused request as a one-line error with exit code 1, not a traceback."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except DomainError as error:
            raise click.ClickException(error.message) from error

    return wrapper
