"""The state file, the sweep of dead sandboxes' directories, and stopping a kept one."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from rollout_engine.errors import SandboxError
from rollout_engine.sandbox.state import (
    PREFIX,
    ChildRecord,
    SandboxState,
    stop_kept,
    sweep_stale,
)


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def _sandbox_dir(parent: Path, name: str, state: SandboxState) -> Path:
    root = parent / (PREFIX + name)
    root.mkdir()
    state.write(root)
    return root


def test_the_state_file_round_trips(tmp_path: Path) -> None:
    state = SandboxState(
        owner_pid=42,
        keep=True,
        urls={"front": "http://127.0.0.1:1"},
        children=[ChildRecord("nginx", 43, ("/usr/sbin/nginx", "-p", "x"))],
    )
    state.write(tmp_path)
    assert SandboxState.read(tmp_path) == state


def test_an_unreadable_state_is_a_sandbox_error(tmp_path: Path) -> None:
    (tmp_path / "sandbox.json").write_text("{")
    with pytest.raises(SandboxError, match=r"no readable sandbox\.json"):
        SandboxState.read(tmp_path)


def test_the_sweep_removes_only_dead_owners_directories_that_were_not_kept(tmp_path: Path) -> None:
    dead = _sandbox_dir(tmp_path, "dead", SandboxState(owner_pid=_dead_pid(), keep=False))
    kept = _sandbox_dir(tmp_path, "kept", SandboxState(owner_pid=_dead_pid(), keep=True))
    alive = _sandbox_dir(tmp_path, "alive", SandboxState(owner_pid=os.getpid(), keep=False))
    starting = tmp_path / (PREFIX + "starting")
    starting.mkdir()  # no state file yet: a sandbox being created right now
    other = tmp_path / "someone-else"
    other.mkdir()
    assert sweep_stale(tmp_path) == [dead]
    assert not dead.exists()
    assert kept.exists() and alive.exists() and starting.exists() and other.exists()


def test_stopping_a_kept_sandbox_kills_its_groups_and_removes_it(tmp_path: Path) -> None:
    sleeper = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(60)"], process_group=0
    )
    recycled = _dead_pid()  # a pid that no longer runs what was recorded
    root = _sandbox_dir(
        tmp_path,
        "k",
        SandboxState(
            owner_pid=_dead_pid(),
            keep=True,
            children=[
                ChildRecord("app", sleeper.pid, (sys.executable, "-c", "...")),
                ChildRecord("gone", recycled, ("/usr/bin/prometheus",)),
            ],
        ),
    )
    assert stop_kept(root, timeout=5) == ["app"]
    assert sleeper.wait(timeout=5) != 0
    assert not root.exists()
