"""``rollout-engine demo`` killed at random points leaves no process and no directory behind.

The demo runs under the subreaper of ``reaper.py`` (which inherits every
orphan, whatever its process group) and gets SIGINT, SIGTERM or SIGKILL at a
point drawn with a fixed seed from its life once children exist: while the
sandbox starts, while the load waits for the first scrape, or in the middle
of a scenario (engine loop, live view, load threads, analysis runs) — each
signal in a different one of these phases, at a random delay. (A kill during
the imports, before any child, is covered for the sandbox by
``test_no_orphans``.)

The three cases run side by side to keep the suite short, and beside them
the A/B test runs, unharmed, to completion: its regressed candidate is
caught at the first looks whatever the machine's load (its good path, whose
statistics need the whole window, runs alone in the engine's unit tests and
in test_demo's blue/green and canary runs).
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from rollout_engine.sandbox.state import PREFIX, sweep_stale
from tests.e2e.sandbox.test_demo import demo_command, unboxed
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


@pytest.fixture(scope="module")
def ab_test(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[subprocess.Popen[str], Path]]:
    """The A/B test's regressed candidate, started first, running beside the kill cases."""
    tmp = tmp_path_factory.mktemp("abtest")
    argv, env = demo_command(tmp, "--strategy", "abtest", "--scenario", "bad")
    process = subprocess.Popen(
        argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    yield process, tmp
    if process.poll() is None:  # NB: a failing test must not leave it running
        process.terminate()
        process.wait(timeout=30)


def test_killing_the_demo_anywhere_leaves_nothing_behind(
    tmp_path: Path, ab_test: tuple[subprocess.Popen[str], Path]
) -> None:
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


def test_the_ab_test_routes_its_segment_and_rolls_the_regression_back(
    ab_test: tuple[subprocess.Popen[str], Path],
) -> None:
    process, tmp = ab_test
    output, _ = process.communicate(timeout=180)
    print(output[-3000:])
    assert process.returncode == 0, output
    text = unboxed(output)
    assert "scenario bad: RolledBack after" in text and "(as expected)" in text
    assert "analysis run web-ab-v3-ab ended Failed" in text
    assert "worse than allowed 2×" in text
    assert 'data-verdict="RolledBack"' in (tmp / "report.html").read_text(encoding="utf-8")
    assert list(tmp.glob(PREFIX + "*")) == []
