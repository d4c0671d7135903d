"""No nginx, Prometheus or app process outlives the sandbox, whatever kills its host.

The host program (``host.py``) starts a sandbox, then sends load and
reloads nginx in a loop. It is killed at random points — during its imports,
while the children start, while traffic flows — with SIGINT, SIGTERM and
SIGKILL, from a subreaper (``reaper.py``) that inherits and lists every
process the host leaves behind. Seeds are fixed, so a failure replays.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

from rollout_engine.sandbox.state import PREFIX, sweep_stale
from tests.paths import ROOT

pytestmark = pytest.mark.slow  # real nginx, Prometheus and processes

REAPER = ROOT / "tests" / "e2e" / "sandbox" / "reaper.py"
SIGNALS = ("SIGINT", "SIGTERM", "SIGKILL")
# One random point in each phase of the host's life: during its imports
# (from launch), while the children start (after "entered"), while traffic
# flows and nginx reloads (after "running").
PHASES = (("launch", 0.02, 0.3), ("entered", 0.0, 0.3), ("running", 0.1, 1.0))
CASES = [
    (signame, phase, round(random.Random(seed).uniform(low, high), 3))
    for seed, (signame, (phase, low, high)) in enumerate(
        ((s, p) for s in SIGNALS for p in PHASES), start=1
    )
]


@pytest.mark.parametrize(
    ("signame", "phase", "delay"), CASES, ids=[f"{c[0]}-{c[1]}+{c[2]}s" for c in CASES]
)
def test_killing_the_host_leaves_no_process_behind(
    tmp_path: Path, signame: str, phase: str, delay: float
) -> None:
    result = subprocess.run(
        [sys.executable, str(REAPER), signame, phase, str(delay), str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    print(
        f"{signame} {delay}s after {phase}: phases {report['phases']}, "
        f"{len(report['at_kill'])} children at the kill, host exit {report['returncode']}, "
        f"children gone after {report['gone_after_s']}s"
    )
    assert report["survivors"] == []
    if phase == "running":  # two apps, nginx master and worker, Prometheus
        assert len(report["at_kill"]) >= 5, report["at_kill"]
    if signame != "SIGKILL" and report["root"]:
        assert not report["root_exists"]  # the cleanup ran and removed the directory
    sweep_stale(tmp_path)  # what a SIGKILL left is swept by the next sandbox
    assert list(tmp_path.glob(PREFIX + "*")) == []
