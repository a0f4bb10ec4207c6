"""Child processes in the foreground: started together, stopped together on Ctrl-C."""

import os
import signal
import subprocess
import threading
import time
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


def supervise(*, children: Sequence[Child], env: Mapping[str, str], cwd: Path) -> int:
    """Run every child until one exits or a stop signal comes, then stop them all; returns an exit code."""
    stopping = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stopping.set()) for sig in STOP_SIGNALS}
    running: dict[str, subprocess.Popen[bytes]] = {}
    try:
        for child in children:
            # A process group of its own: the terminal's Ctrl-C reaches only us, and we stop each child
            # together with everything it started (reflex runs bun, node and its backend).
            running[child.name] = subprocess.Popen(
                child.argv, env=dict(env), cwd=cwd, stdin=subprocess.DEVNULL, start_new_session=True
            )
        while not stopping.wait(0.5):
            exited = {name: proc.returncode for name, proc in running.items() if proc.poll() is not None}
            if exited:
                name, code = next(iter(exited.items()))
                click.echo(f"escalq: {name} exited with code {code}; stopping the rest", err=True)
                return code or 1
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
