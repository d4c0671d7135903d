"""Child processes that cannot outlive the sandbox.

Every child runs in its own process group, so that

- Ctrl-C in a terminal (SIGINT to the *foreground* group) reaches only the
  supervisor, which then stops the children in order;
- stopping a child signals its whole group (nginx's workers included).

And every child asks the kernel to signal it when its parent dies
(``prctl(PR_SET_PDEATHSIG)``, set in the child between fork and exec), so a
supervisor killed by SIGKILL, which runs no cleanup at all, still leaves
nothing behind.

Caveats (Linux semantics):

- the death signal fires when the *thread* that forked the child exits, so
  spawn from a thread that lives as long as the sandbox (the main thread);
- it is not inherited by the child's own children: nginx gets SIGTERM (its
  master then takes its workers down), single-process children get SIGKILL;
- a parent that died before ``prctl`` ran is caught by comparing
  ``getppid()`` with the pid recorded before the fork.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Child", "children_of", "group_members", "spawn"]

_PR_SET_PDEATHSIG = 1
_SIG_DFL = 0


def _death_signal_setter(sig: signal.Signals) -> Callable[[], None]:
    """The child-side hook; everything it needs is resolved before the fork."""
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    prctl, reset = libc.prctl, libc.signal
    parent = os.getpid()
    number = int(sig)

    def preexec() -> None:
        # NB: between fork and exec the child still has the parent's C-level
        # handlers (Python's), which would swallow the death signal.
        reset(number, _SIG_DFL)
        prctl(_PR_SET_PDEATHSIG, number, 0, 0, 0)
        if os.getppid() != parent:  # NB: the parent died before prctl took effect
            os.kill(os.getpid(), number)

    return preexec


@dataclass
class Child:
    """A running child and its process group (the group id is the child's pid)."""

    name: str
    argv: tuple[str, ...]
    process: subprocess.Popen[bytes]
    log_path: Path
    stopped: bool = field(default=False)

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def pgid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        """Whether the group leader still runs."""
        return self.process.poll() is None

    def log_tail(self, lines: int = 15) -> str:
        """The last lines the child wrote (stdout and stderr), for error messages."""
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self, *, timeout: float = 5.0) -> None:
        """SIGTERM the group, wait, then SIGKILL whatever of the group is left."""
        if self.stopped:
            return
        self.stopped = True
        _signal_group(self.pgid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=timeout)
        while group_members(self.pgid) and time.monotonic() < deadline:
            time.sleep(0.01)
        if group_members(self.pgid):
            _signal_group(self.pgid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=timeout)  # reap the leader whatever happened
        _wait_empty(self.pgid, timeout=timeout)


def spawn(
    argv: Sequence[str],
    *,
    name: str,
    log_path: Path,
    death_signal: signal.Signals | None = signal.SIGKILL,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> Child:
    """Start `argv` in its own process group, logging to `log_path`.

    ``death_signal=None`` detaches the child instead (a new session, no death
    signal): that is the sandbox's ``--keep`` mode, where processes must
    outlive the command that started them.
    """
    if sys.platform != "linux":  # pragma: no cover - the sandbox targets Linux
        raise OSError("the sandbox needs Linux (process groups and PR_SET_PDEATHSIG)")
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=dict(env) if env is not None else None,
            cwd=cwd,
            close_fds=True,
            start_new_session=death_signal is None,
            process_group=0 if death_signal is not None else None,
            # NB: the hook only calls libc functions resolved before the fork.
            preexec_fn=_death_signal_setter(death_signal) if death_signal else None,  # noqa: PLW1509
        )
    return Child(name=name, argv=tuple(argv), process=process, log_path=log_path)


def group_members(pgid: int) -> list[int]:
    """Pids of live (not zombie) processes in group `pgid`, from ``/proc``."""
    return [pid for pid, _, group in _live_processes() if group == pgid]


def children_of(pid: int) -> list[int]:
    """Pids of live (not zombie) processes whose parent is `pid`."""
    return [child for child, parent, _ in _live_processes() if parent == pid]


def _live_processes() -> list[tuple[int, int, int]]:
    """(pid, parent pid, process group) of every live process."""
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:  # it exited while we looked
            continue
        # NB: the command name is in parentheses and may contain spaces.
        fields = stat[stat.rindex(")") + 2 :].split()
        if fields[0] not in ("Z", "X"):
            found.append((int(entry.name), int(fields[1]), int(fields[2])))
    return found


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def _wait_empty(pgid: int, *, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while group_members(pgid) and time.monotonic() < deadline:
        time.sleep(0.01)
