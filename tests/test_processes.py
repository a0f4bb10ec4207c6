"""`escalq run`'s children: stopped as whole process groups, and together when one of them exits."""

import os
import subprocess
import sys
import time

from escalq.cli.processes import Child, stop_groups, supervise

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


def test_supervise_stops_the_rest_when_a_child_exits(tmp_path):
    marker = tmp_path / "slow.pid"
    script = f"import os, time; open({str(marker)!r}, 'w').write(str(os.getpid())); time.sleep(60)"
    slow = Child(name="slow", argv=[sys.executable, "-c", script])
    quick = Child(name="quick", argv=["sh", "-c", "sleep 1; exit 3"])
    started = time.monotonic()
    code = supervise(children=[slow, quick], env=dict(os.environ), cwd=tmp_path)
    assert code == 3
    assert time.monotonic() - started < 20
    assert not _alive(int(marker.read_text()))
