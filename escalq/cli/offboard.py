"""`escalq reviewer disable|enable|keys|revoke-keys|password|unlock`: offboarding from the command line.

Actions here have no signed-in admin: the audit log names escalq as the actor.
"""

import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click
from sqlmodel import Session

from escalq.cli.output import emit, json_option
from escalq.clock import utc_now
from escalq.models import Reviewer
from escalq.pipeline import unit_of_work
from escalq.services import lockout, offboarding, people

T = TypeVar("T")


def _on(email: str, work: Callable[[Session, Reviewer], T]) -> tuple[Reviewer, T]:
    """Run `work` on the reviewer with this email in one unit of work (escalq.pipeline)."""
    with unit_of_work() as session:
        reviewer = people.find_reviewer(session=session, email=email)
        return reviewer, work(session, reviewer)


def _who(reviewer: Reviewer, **more: Any) -> dict[str, Any]:
    return {"id": str(reviewer.id), "email": reviewer.email, **more}


def _state(revoked_at: str) -> str:
    return f"revoked {revoked_at}" if revoked_at else "works"


def add_commands(group: click.Group, errors: Callable[[Callable[..., Any]], Callable[..., Any]]) -> None:
    """Attach the offboarding commands to `escalq reviewer`, with the group's error handling."""

    @group.command("disable")
    @click.argument("email")
    @json_option
    @errors
    def disable(email: str, as_json: bool) -> None:
        """Disable reviewer EMAIL: sign-in, API keys and sessions refused at once, held work handed back."""
        reviewer, change = _on(
            email, lambda s, r: offboarding.disable(session=s, reviewer_id=r.id, by=None, now=utc_now())
        )
        handed = [str(escalation_id) for escalation_id in change.touched]
        emit(
            as_json,
            _who(reviewer, disabled=True, handed_back=handed),
            f"{reviewer.email} is disabled; {len(handed)} escalation(s) handed back",
        )

    @group.command("enable")
    @click.argument("email")
    @json_option
    @errors
    def enable(email: str, as_json: bool) -> None:
        """Let disabled reviewer EMAIL sign in again (back in the pool only when an admin says so)."""
        reviewer, _ = _on(
            email, lambda s, r: offboarding.enable(session=s, reviewer_id=r.id, by=None, now=utc_now())
        )
        emit(as_json, _who(reviewer, disabled=False), f"{reviewer.email} is enabled")

    @group.command("keys")
    @click.argument("email")
    @json_option
    @errors
    def keys(email: str, as_json: bool) -> None:
        """List the API keys of reviewer EMAIL (prefixes only), newest first."""
        reviewer, rows = _on(email, lambda s, r: offboarding.keys(session=s, reviewer_id=r.id))
        lines = [f"{row.prefix}  created {row.created_at}  {_state(row.revoked_at)}" for row in rows]
        emit(
            as_json,
            _who(reviewer, keys=[vars(row) for row in rows]),
            "\n".join(lines) or f"{reviewer.email} has no API keys",
        )

    @group.command("revoke-keys")
    @click.argument("email")
    @json_option
    @errors
    def revoke_keys(email: str, as_json: bool) -> None:
        """Revoke every API key of reviewer EMAIL."""
        reviewer, revoked = _on(
            email, lambda s, r: offboarding.revoke_keys(session=s, reviewer_id=r.id, by=None, now=utc_now())
        )
        emit(as_json, _who(reviewer, revoked=revoked), f"revoked {revoked} API key(s) of {reviewer.email}")

    @group.command("password")
    @click.argument("email")
    @click.option("--password-stdin", is_flag=True, help="Read the new password from standard input.")
    @json_option
    @errors
    def password(email: str, password_stdin: bool, as_json: bool) -> None:
        """Set a new password for reviewer EMAIL (asked twice, hidden); all their sessions end."""
        if password_stdin:
            new = sys.stdin.readline().removesuffix("\n").removesuffix("\r")
        else:
            new = click.prompt("New password", hide_input=True, confirmation_prompt=True, err=True)
        reviewer, ended = _on(
            email,
            lambda s, r: offboarding.reset_password(
                session=s, reviewer_id=r.id, password=new, by=None, now=utc_now()
            ),
        )
        emit(
            as_json,
            _who(reviewer, sessions_ended=ended),
            f"new password set for {reviewer.email}; {ended} session(s) ended",
        )

    @group.command("unlock")
    @click.argument("email")
    @json_option
    @errors
    def unlock(email: str, as_json: bool) -> None:
        """Lift the sign-in lock of reviewer EMAIL after too many failed attempts."""
        reviewer, was_locked = _on(
            email, lambda s, r: lockout.unlock(session=s, reviewer=r, by=None, now=utc_now())
        )
        emit(
            as_json,
            _who(reviewer, was_locked=was_locked),
            f"{reviewer.email} {'unlocked' if was_locked else 'was not locked'}",
        )
