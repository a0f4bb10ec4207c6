"""`escalq run`'s children: stopped as whole process groups, started again when one exits, and all stopped
when one crash-loops."""

import os
import subprocess
import sys
import time

from escalq.cli.processes import Child, Restarts, stop_groups, supervise

# A child that starts a grandchild and waits: stopping must reach the grandchild too.
PARENT_OF_SLEEPER = (
    "import subprocess, sys, time; print(subprocess.Popen(['sleep', '60']).pid, flush=True); time.sleep(60)"
)


def _alive(pid: int) -> bool:
    """True while `pid` runs; a zombie waiting to be reaped by its parent counts as gone."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(") ", 1)[1][0] != "Z"
    except FileNotFoundError:
        return False


def test_stop_groups_stops_grandchildren():
    proc = subprocess.Popen(
        [sys.executable, "-c", PARENT_OF_SLEEPER], stdout=subprocess.PIPE, start_new_session=True
    )
    assert proc.stdout is not None
    sleeper = int(proc.stdout.readline())
    proc.stdout.close()
    stop_groups([proc])
    assert proc.poll() is not None
    deadline = time.monotonic() + 5
    while _alive(sleeper) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(sleeper)


def test_supervise_starts_an_exited_child_again_and_stops_all_on_a_crash_loop(tmp_path):
    runs = tmp_path / "runs"
    # Exits with 3 on its first run, then runs for good: it is started again, once.
    script = (
        f"import os, time; p = {str(runs)!r}; first = not os.path.exists(p); "
        "open(p, 'a').write(str(os.getpid()) + chr(10)); time.sleep(0.1 if first else 60); "
        "raise SystemExit(3 if first else 0)"
    )
    flaky = Child(name="flaky", argv=[sys.executable, "-c", script])
    broken = Child(name="broken", argv=["sh", "-c", "sleep 0.5; exit 4"])
    restarts = Restarts(first_s=0.1, longest_s=0.4, limit=4, window_s=30)
    started = time.monotonic()

    code = supervise(children=[flaky, broken], env=dict(os.environ), cwd=tmp_path, restarts=restarts)

    assert code == 4, "the crash-looping child's code"
    assert time.monotonic() - started < 20
    pids = [int(line) for line in runs.read_text().split()]
    assert len(pids) == 2, "the flaky child was started again, and ran on"
    assert not any(_alive(pid) for pid in pids), "stopped with the rest"
