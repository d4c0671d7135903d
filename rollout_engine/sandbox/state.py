"""The sandbox's state file: who runs where, so a kept sandbox can be found and stopped.

``<root>/sandbox.json`` is rewritten whenever a child starts. It serves
three readers:

- ``python -m rollout_engine.sandbox stop <root>`` stops a sandbox left
  running by ``--keep`` (every process group, then the directory);
- :func:`sweep_stale` removes directories of sandboxes whose supervisor was
  killed by SIGKILL (their processes died with it through the death signal;
  only the directory was left behind);
- people poking at a kept sandbox (URLs, pids, log paths).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from rollout_engine.errors import SandboxError
from rollout_engine.sandbox.children import group_members

__all__ = ["PREFIX", "STATE_FILE", "ChildRecord", "SandboxState", "stop_kept", "sweep_stale"]

PREFIX = "rollout-engine-sandbox-"
STATE_FILE = "sandbox.json"


@dataclass(frozen=True)
class ChildRecord:
    """One child as recorded: its name, pid (= process group) and command line."""

    name: str
    pid: int
    argv: tuple[str, ...]


@dataclass
class SandboxState:
    """What ``sandbox.json`` holds."""

    owner_pid: int
    keep: bool
    urls: dict[str, str] = field(default_factory=dict)
    children: list[ChildRecord] = field(default_factory=list)

    def write(self, root: Path) -> None:
        staging = root / (STATE_FILE + ".tmp")
        staging.write_text(json.dumps(asdict(self), indent=2) + "\n")
        os.replace(staging, root / STATE_FILE)

    @classmethod
    def read(cls, root: Path) -> SandboxState:
        try:
            raw = json.loads((root / STATE_FILE).read_text())
            children = [ChildRecord(c["name"], c["pid"], tuple(c["argv"])) for c in raw["children"]]
            return cls(raw["owner_pid"], raw["keep"], dict(raw["urls"]), children)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise SandboxError(f"{root} holds no readable {STATE_FILE}: {exc}") from exc


def stop_kept(root: Path, *, timeout: float = 5.0) -> list[str]:
    """Stop every process group recorded under `root`, then remove `root`.

    Returns the names of the children that were still running. A group is
    signalled only if its leader still runs the recorded program, so a
    recycled pid is never killed.
    """
    state = SandboxState.read(root)
    stopped = []
    for record in state.children:
        if group_members(record.pid) and _runs(record):
            stopped.append(record.name)
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(record.pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while any(group_members(r.pid) for r in state.children) and time.monotonic() < deadline:
        time.sleep(0.02)
    for record in state.children:
        if group_members(record.pid) and _runs(record):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(record.pid, signal.SIGKILL)
    shutil.rmtree(root, ignore_errors=True)
    return stopped


def sweep_stale(parent: Path) -> list[Path]:
    """Remove sandbox directories under `parent` whose owner is dead and that were not kept."""
    removed = []
    for path in sorted(parent.glob(PREFIX + "*")):
        try:
            state = SandboxState.read(path)
        except SandboxError:
            continue  # being created right now, or not ours
        if state.keep or _pid_alive(state.owner_pid):
            continue
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
    return removed


def _runs(record: ChildRecord) -> bool:
    try:
        cmdline = Path(f"/proc/{record.pid}/cmdline").read_bytes()
    except OSError:
        return False
    program = Path(record.argv[0]).name if record.argv else ""
    # NB: nginx rewrites its title ("nginx: master process …"), so match loosely.
    return bool(program) and program.encode() in cmdline


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
