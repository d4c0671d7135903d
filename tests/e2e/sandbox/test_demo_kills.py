"""``rollout-engine demo`` killed at random points leaves no process and no directory behind.

The demo runs under the subreaper of ``reaper.py`` (which inherits every
orphan, whatever its process group) and gets SIGINT, SIGTERM or SIGKILL at a
point drawn with a fixed seed from its life once children exist: while the
sandbox starts, while the load waits for the first scrape, or in the middle
of a scenario (engine loop, live view, load threads, analysis runs) — each
signal in a different one of these phases, at a random delay. (A kill during
the imports, before any child, is covered for the sandbox by
``test_no_orphans``.) The three cases run side by side to keep the suite short.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

from rollout_engine.sandbox.state import PREFIX, sweep_stale
from tests.paths import ROOT, VENV_BIN

pytestmark = pytest.mark.slow  # three demos with real nginx, Prometheus and load

REAPER = ROOT / "tests" / "e2e" / "sandbox" / "reaper.py"
# what the demo prints as it goes: sandbox created, load on, scenario running
PHASES = (("sandbox", 0.0, 0.5), ("load:", 0.0, 2.0), ("v2:", 0.5, 6.0))
SIGNALS = ("SIGINT", "SIGTERM", "SIGKILL")


def _cases(seed: int = 7) -> list[tuple[str, str, float]]:
    rng = random.Random(seed)
    phases = rng.sample(PHASES, k=len(PHASES))
    return [
        (signame, phase, round(rng.uniform(low, high), 3))
        for signame, (phase, low, high) in zip(SIGNALS, phases, strict=True)
    ]


def test_killing_the_demo_anywhere_leaves_nothing_behind(tmp_path: Path) -> None:
    demo = [str(VENV_BIN / "rollout-engine"), "demo", "--fast", "--report",
            str(tmp_path / "report.html")]  # fmt: skip
    running = []
    for signame, phase, delay in _cases():
        parent = tmp_path / signame
        parent.mkdir()
        command = [sys.executable, str(REAPER), signame, phase, str(delay), str(parent), *demo]
        running.append((signame, phase, delay, parent, subprocess.Popen(
            command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )))  # fmt: skip
    for signame, phase, delay, parent, reaper in running:
        out, err = reaper.communicate(timeout=120)
        assert reaper.returncode == 0, err
        report = json.loads(out.strip().splitlines()[-1])
        children, code = len(report["at_kill"]), report["returncode"]
        print(f"{signame} {delay}s after {phase}: {children} children at the kill, exit {code}")
        assert report["survivors"] == []
        if signame != "SIGKILL" and report["root"]:
            assert not report["root_exists"]  # the cleanup ran and removed the directory
        if phase != "sandbox":  # two apps, nginx master and worker, Prometheus
            assert children >= 5, report["at_kill"]
        expected = {"SIGINT": 130, "SIGTERM": 128 + 15, "SIGKILL": -9}[signame]
        assert code == expected  # Ctrl-C says "interrupted" after a clean stop
        sweep_stale(parent)  # what a SIGKILL left is swept by the next sandbox
        assert list(parent.glob(PREFIX + "*")) == []
