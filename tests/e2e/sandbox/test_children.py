"""Children: own process group, stopped as a group, and killed with their parent."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rollout_engine.sandbox.children import children_of, group_members, spawn
from tests.paths import ROOT

pytestmark = pytest.mark.slow  # real processes, polled with bounded waits

# A child that starts a grandchild in its own group, prints both pids, and waits.
FAMILY = (
    "import subprocess, sys, time;"
    "g = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']);"
    "print(g.pid, flush=True); time.sleep(60)"
)
# A parent that spawns a sleeper through `spawn`, prints its pid, and waits to be killed.
PARENT = (
    "import sys, time, signal; from pathlib import Path;"
    "from rollout_engine.sandbox.children import spawn;"
    "death = None if sys.argv[2] == 'keep' else signal.SIGKILL;"
    "c = spawn([sys.executable, '-c', 'import time; time.sleep(60)'], name='sleeper',"
    " log_path=Path(sys.argv[1]), death_signal=death);"
    "print(c.pid, flush=True); time.sleep(60)"
)


def _wait_gone(pids: list[int], *, timeout: float = 10.0) -> list[int]:
    deadline = time.monotonic() + timeout
    alive = pids
    while alive and time.monotonic() < deadline:
        alive = [p for p in pids if Path(f"/proc/{p}").exists() and _state(p) not in "ZX"]
        time.sleep(0.01)
    return alive


def _state(pid: int) -> str:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return "X"
    return stat[stat.rindex(")") + 2]


def test_a_child_leads_its_own_group_and_stop_takes_the_whole_group(tmp_path: Path) -> None:
    child = spawn([sys.executable, "-c", FAMILY], name="family", log_path=tmp_path / "f.log")
    deadline = time.monotonic() + 10
    while not (tmp_path / "f.log").read_text().strip():
        assert time.monotonic() < deadline
        time.sleep(0.01)
    grandchild = int((tmp_path / "f.log").read_text().split()[0])
    assert os.getpgid(child.pid) == child.pid != os.getpgid(0)
    assert sorted(group_members(child.pgid)) == sorted([child.pid, grandchild])
    assert children_of(child.pid) == [grandchild]
    child.stop(timeout=5)
    assert not child.alive()
    assert group_members(child.pgid) == []
    assert _wait_gone([grandchild]) == []


def test_a_child_dies_with_its_parent_even_by_sigkill(tmp_path: Path) -> None:
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT, str(tmp_path / "s.log"), "die"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert parent.stdout is not None
    sleeper = int(parent.stdout.readline())
    assert _state(sleeper) in "SR"
    parent.send_signal(signal.SIGKILL)
    parent.wait(timeout=10)
    assert _wait_gone([sleeper]) == []


def test_a_kept_child_is_detached_and_outlives_its_parent(tmp_path: Path) -> None:
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT, str(tmp_path / "k.log"), "keep"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert parent.stdout is not None
    sleeper = int(parent.stdout.readline())
    try:
        assert os.getsid(sleeper) == sleeper  # its own session: no terminal signal reaches it
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=10)
        time.sleep(0.2)  # NB: give a (wrong) death signal the time to arrive
        assert _state(sleeper) in "SR"
    finally:
        os.killpg(sleeper, signal.SIGKILL)
    assert _wait_gone([sleeper]) == []
