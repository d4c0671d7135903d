"""Run the host under a child subreaper, signal it, and report every process left behind.

    python tests/e2e/sandbox/reaper.py SIGNAL PHASE DELAY PARENT_DIR [COMMAND...]

The host is ``python -m tests.e2e.sandbox.host PARENT_DIR`` unless a COMMAND
is given (e.g. ``rollout-engine demo --fast``), which runs with
``TMPDIR=PARENT_DIR`` so its sandbox lives there. The signal is sent DELAY
seconds after the host printed a line starting with PHASE (``launch``
means from the host's start, during its imports).

As a subreaper (``PR_SET_CHILD_SUBREAPER``), this process inherits every
orphan of the host, whatever its process group or session: after the host
has died, any live process still descending from us is a leak. The report
is one JSON line on stdout; survivors are killed afterwards so that a
failing test leaves nothing behind either.
"""

from __future__ import annotations

import ctypes
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

_PR_SET_CHILD_SUBREAPER = 36
ROOT_IN = re.compile(r"(/\S*rollout-engine-sandbox-[^\s:/]+)")


def _descendants(root: int) -> list[int]:
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2 :].split()
            if fields[0] not in ("Z", "X"):
                parents[int(entry)] = int(fields[1])
    found, frontier = [], {root}
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier}
        found += sorted(frontier)
    return found


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
    except OSError:
        return "?"


def _reap() -> None:
    try:
        while os.waitpid(-1, os.WNOHANG)[0] > 0:
            pass
    except ChildProcessError:
        pass


def _wait_for_phase(lines: list[str], phase: str, *, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while phase != "launch" and not any(line.startswith(phase) for line in list(lines)):
        if time.monotonic() > deadline:
            raise SystemExit(f"the host never printed {phase!r}: {lines}")
        time.sleep(0.002)


def main(signame: str, phase: str, delay: float, parent: Path, command: list[str]) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    assert libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    signal.signal(signal.SIGINT, signal.default_int_handler)  # NB: the host must get Ctrl-C
    host = subprocess.Popen(
        command or [sys.executable, "-m", "tests.e2e.sandbox.host", str(parent)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "TMPDIR": str(parent)},
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(host.stdout or []), daemon=True)
    reader.start()
    _wait_for_phase(lines, phase)
    time.sleep(delay)
    at_kill = [_cmdline(pid) for pid in _descendants(host.pid)]
    host.send_signal(getattr(signal, signame))
    returncode = host.wait(timeout=30)
    reader.join(timeout=5)
    started = time.monotonic()
    while (left := _descendants(os.getpid())) and time.monotonic() - started < 10:
        _reap()
        time.sleep(0.01)
    survivors = [_cmdline(pid) for pid in left]
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    _reap()
    phases = [line.split()[0] for line in lines if line.strip()]
    found = (ROOT_IN.search(line) for line in lines)
    root = next((m.group(1) for m in found if m is not None), None)
    print(json.dumps({
        "returncode": returncode,
        "phases": phases,
        "root": root,
        "root_exists": root is not None and Path(root).exists(),
        "at_kill": at_kill,
        "survivors": survivors,
        "gone_after_s": round(time.monotonic() - started, 3),
    }))  # fmt: skip


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], float(sys.argv[3]), Path(sys.argv[4]), sys.argv[5:])
