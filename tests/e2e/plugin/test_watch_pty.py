"""``kubectl rollout-engine get NAME --watch`` in a pseudo-terminal while the rollout moves.

The test plays the controller (the real engine and analysis, through
`tests.fakes.rollout_scene`) and reads the screen by bounded polling of the
real process' terminal; the process must redraw the new step and verdict,
and exit 0 once the rollout is Healthy.
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import termios
import time
from datetime import timedelta

from tests.e2e.plugin.conftest import Kubectl
from tests.fakes.rollout_scene import Scene, example, measured_run

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
RUN = "web-7d9f5c6b8-3"


class Screen:
    """What a process wrote to its terminal, read without blocking."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.text = ""

    def read(self) -> None:
        while select.select([self.fd], [], [], 0)[0]:
            try:
                chunk = os.read(self.fd, 65536)
            except OSError:  # NB: the child closed the terminal
                return
            if not chunk:
                return
            self.text += ANSI.sub("", chunk.decode(errors="replace"))

    def wait_for(
        self, wanted: str, *, process: subprocess.Popen[bytes], timeout: float = 20
    ) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.read()
            if wanted in self.text:
                return
            if process.poll() is not None:
                self.read()
                break
            select.select([self.fd], [], [], 0.05)  # NB: bounded polling of a real process
        assert wanted in self.text, f"{wanted!r} never shown; screen:\n{self.text[-3000:]}"


def _terminal(columns: int, rows: int) -> tuple[int, int]:
    parent, child = pty.openpty()
    fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    return parent, child


def test_get_watch_redraws_in_a_terminal_until_healthy(kubectl: Kubectl, scene: Scene) -> None:
    played = scene.canary_at_analysis()
    parent, child = _terminal(160, 60)
    process = subprocess.Popen(
        kubectl.argv(
            ["rollout-engine", "get", "web", "-n", "storefront", "-w", "--interval", "0.1"]
        ),
        stdin=child,
        stdout=child,
        stderr=child,
        env={**kubectl.env, "TERM": "xterm-256color"},
        close_fds=True,
    )
    os.close(child)
    screen = Screen(parent)
    try:
        screen.wait_for("▶ 3 analysis success-rate", process=process)
        screen.wait_for("watching every 0.1s until Healthy or Degraded", process=process)

        spec, run = measured_run(
            example("templates/success-rate.yaml", "AnalysisTemplate"),
            args={"ingress": "web"},
            values=(0.991, 0.987, 0.982, 0.985, 0.99),
            started_at=scene.now - timedelta(minutes=4),
        )
        scene.analysis_run(name=RUN, namespace="storefront", spec=spec, status=run)
        played.world.verdict(RUN, "Successful", run.message or "")
        played.reconcile(settle=True)
        screen.wait_for("▶ 5 pause 5m", process=process)
        screen.wait_for("success-rate  Successful  5 measured: 5 successful", process=process)
        screen.wait_for(f"Last verdict  Successful  {RUN}", process=process)
        assert process.poll() is None  # NB: Paused is not settled: it keeps watching

        played.reconcile(after=timedelta(minutes=5), settle=True)
        screen.wait_for("Rollout storefront/web  Healthy", process=process)
        assert process.wait(timeout=20) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(parent)
