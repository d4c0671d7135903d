"""``keep``: the sandbox outlives its command, says how to reach it, and stops on request."""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from rollout_engine.sandbox.children import group_members
from rollout_engine.sandbox.net import http_get
from rollout_engine.sandbox.state import SandboxState
from tests.paths import ROOT

pytestmark = pytest.mark.slow  # real nginx, Prometheus and processes


def test_a_kept_sandbox_keeps_serving_until_the_printed_command_stops_it(tmp_path: Path) -> None:
    started = subprocess.run(
        [sys.executable, "-m", "tests.e2e.sandbox.host", str(tmp_path), "--keep"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert started.returncode == 0, started.stderr
    out = started.stdout
    root = Path(out.split("entered ", 1)[1].split()[0])
    state = SandboxState.read(root)
    try:
        assert {c.name for c in state.children} == {
            "app-stable-v1",
            "app-candidate-v2",
            "nginx",
            "prometheus",
        }
        assert all(group_members(c.pid) for c in state.children)
        front = state.urls["front"]
        assert f"front         {front}" in out
        reply = http_get(front + "/", timeout=5)
        assert reply is not None and reply.headers["x-sandbox-version"] in {"v1", "v2"}
        command = out.split("stop it with: ", 1)[1].splitlines()[0]
        assert command == f"{sys.executable} -m rollout_engine.sandbox stop {root}"
        stopped = subprocess.run(
            shlex.split(command), capture_output=True, text=True, timeout=30, check=False
        )
        assert stopped.returncode == 0, stopped.stderr
        names = stopped.stdout.split("stopped ", 1)[1].split(";")[0]
        assert sorted(names.split(", ")) == sorted(c.name for c in state.children)
        assert stopped.stdout.rstrip().endswith(f"removed {root}")
    finally:  # a failing assertion above must not leave the kept processes running
        for child in state.children:
            for pid in group_members(child.pid):
                os.kill(pid, signal.SIGKILL)
    assert not any(group_members(c.pid) for c in state.children)
    assert not root.exists()


def test_stopping_a_directory_that_is_no_sandbox_says_so(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "rollout_engine.sandbox", "stop", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 1
    assert "holds no readable sandbox.json" in result.stderr
