"""Child processes in the foreground: started together, started again when one exits, stopped together on
Ctrl-C."""

import os
import signal
import subprocess
import threading
import time
from collections import deque
from collections.abc import Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

import click

# Ctrl-C, `kill`, and the terminal closing.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
# Escalation when a child ignores the previous signal: (signal, seconds to wait after sending it).
STOP_STEPS = ((signal.SIGINT, 15.0), (signal.SIGTERM, 5.0), (signal.SIGKILL, 2.0))


@dataclass(frozen=True)
class Child:
    """One long-running command of `escalq run`."""

    name: str
    argv: list[str]


def exit_on_signals() -> None:
    """Turn SIGTERM and SIGHUP into SystemExit, so `finally` blocks stop what we started then too."""

    def _exit(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _exit)


@dataclass(frozen=True)
class Restarts:
    """A child that exits is started again after `first_s`, doubling up to `longest_s` while it keeps
    exiting; one that exits `limit` times within `window_s` is crash-looping (a setting is wrong, say),
    and everything stops with its exit code."""

    first_s: float = 1.0
    longest_s: float = 30.0
    limit: int = 5
    window_s: float = 60.0


def supervise(
    *, children: Sequence[Child], env: Mapping[str, str], cwd: Path, restarts: Restarts = Restarts()
) -> int:
    """Run every child until a stop signal comes, starting again any that exits, then stop them all;
    returns an exit code (that of a crash-looping child, else 0)."""
    stopping = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stopping.set()) for sig in STOP_SIGNALS}
    running: dict[str, subprocess.Popen[bytes]] = {}
    exits: dict[str, deque[float]] = {child.name: deque() for child in children}
    due: dict[str, float] = {}

    def start(child: Child) -> None:
        # A process group of its own: the terminal's Ctrl-C reaches only us, and we stop each child
        # together with everything it started (reflex runs bun, node and its backend).
        running[child.name] = subprocess.Popen(
            child.argv, env=dict(env), cwd=cwd, stdin=subprocess.DEVNULL, start_new_session=True
        )

    try:
        for child in children:
            start(child)
        while not stopping.wait(0.2):
            now = time.monotonic()
            for child in children:
                proc = running.get(child.name)
                if proc is not None and proc.poll() is not None:
                    stop_groups([running.pop(child.name)])  # whatever it started goes with it
                    recent = exits[child.name]
                    recent.append(now)
                    while recent and recent[0] < now - restarts.window_s:
                        recent.popleft()
                    if len(recent) >= restarts.limit:
                        click.echo(
                            f"escalq: {child.name} exited {len(recent)} times in {restarts.window_s:g} s "
                            f"(last with code {proc.returncode}); stopping the rest",
                            err=True,
                        )
                        return proc.returncode or 1
                    delay = min(restarts.first_s * 2 ** (len(recent) - 1), restarts.longest_s)
                    click.echo(
                        f"escalq: {child.name} exited with code {proc.returncode}; "
                        f"starting it again in {delay:g} s",
                        err=True,
                    )
                    due[child.name] = now + delay
                elif child.name in due and due[child.name] <= now:
                    del due[child.name]
                    start(child)
        return 0
    finally:
        stop_groups(list(running.values()))
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def stop_groups(processes: Sequence[subprocess.Popen[bytes]]) -> None:
    """Signal each process group, escalating to SIGKILL for groups that outlive their grace period."""
    for sig, grace_s in STOP_STEPS:
        alive = [proc for proc in processes if _group_alive(proc)]
        if not alive:
            return
        for proc in alive:
            _signal_group(proc.pid, sig)
        deadline = time.monotonic() + grace_s
        while any(_group_alive(proc) for proc in alive) and time.monotonic() < deadline:
            time.sleep(0.1)


def run_foreground(*, argv: Sequence[str], env: Mapping[str, str]) -> int:
    """Run one command in our process group (Ctrl-C reaches it directly); returns its exit code."""
    proc = subprocess.Popen(list(argv), env=dict(env))
    # Set after the start: an ignored SIGINT would be inherited by the command.
    previous = {
        signal.SIGINT: signal.signal(signal.SIGINT, signal.SIG_IGN),
        signal.SIGTERM: signal.signal(signal.SIGTERM, lambda *_: proc.send_signal(signal.SIGTERM)),
        signal.SIGHUP: signal.signal(signal.SIGHUP, lambda *_: proc.send_signal(signal.SIGHUP)),
    }
    try:
        code = proc.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 128 - code if code < 0 else code


def _group_alive(proc: subprocess.Popen[bytes]) -> bool:
    proc.poll()  # reap the leader, or its zombie would count as a member
    try:
        os.killpg(proc.pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)
