"""``rollout-engine demo --fast`` end to end: real nginx, real Prometheus, real verdicts.

One run of the canary with both scenarios (a good candidate promoted, a
regressed one rolled back), then blue/green to its promotion (the A/B test
runs to its rollback beside the kill cases, in test_demo_kills.py). The
console must carry each verdict's evidence (estimate, confidence bound,
allowed ratio), and the report must be valid HTML with one plot per metric
whose PNG actually shows something.
"""

from __future__ import annotations

import base64
import io
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from rollout_engine.sandbox.state import PREFIX
from tests.paths import ROOT, VENV_BIN
from tests.unit.sandbox.htmlcheck import parse_html, png_size

pytestmark = pytest.mark.slow  # real nginx, Prometheus, apps and load: about a minute each

GOOD_EVIDENCE = re.compile(
    r"error-ratio [\d.]+× \(95% CS [\d.]+×–[\d.]+×\) after \d+ candidate and \d+ stable events: "
    r"within allowed 2×: non-inferiority shown"
)
BAD_EVIDENCE = re.compile(r"worse than allowed 2× \(anytime p=\S+ ≤ α=0\.005\)")


@dataclass(frozen=True)
class Ran:
    returncode: int
    output: str
    report: Path
    tmp: Path


def demo_command(tmp: Path, *args: str) -> tuple[list[str], dict[str, str]]:
    """`rollout-engine demo --fast` with its report and sandbox under `tmp`."""
    argv = [
        str(VENV_BIN / "rollout-engine"),
        "demo",
        "--fast",
        "--report",
        str(tmp / "report.html"),
    ]
    return [*argv, *args], {**os.environ, "TMPDIR": str(tmp), "COLUMNS": "160"}


def _demo(tmp: Path, *args: str) -> Ran:
    argv, env = demo_command(tmp, *args)
    result = subprocess.run(
        argv, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False, env=env
    )
    print(result.stdout[-3000:], result.stderr[-3000:])
    return Ran(result.returncode, result.stdout + result.stderr, tmp / "report.html", tmp)


@pytest.fixture(scope="module")
def canary(tmp_path_factory: pytest.TempPathFactory) -> Ran:
    return _demo(tmp_path_factory.mktemp("canary"))


def test_a_good_candidate_is_promoted_and_a_regressed_one_rolled_back(canary: Ran) -> None:
    out = canary.output
    assert canary.returncode == 0, out
    good, bad = (unboxed(part) for part in out.split("scenario bad: candidate v3 over", 1))
    assert "scenario good: Promoted after" in good and "(as expected)" in good
    assert GOOD_EVIDENCE.search(good), good  # the verdict says why, with the bound
    assert "v2 is the stable now (was v1)" in good
    assert "scenario bad: RolledBack after" in bad and "(as expected)" in bad
    assert BAD_EVIDENCE.search(bad), bad
    assert "aborted: traffic back to the stable" in bad
    assert f"report: {canary.report}" in out


def test_the_report_is_valid_html_with_one_plot_per_metric(canary: Ran) -> None:
    html = canary.report.read_text(encoding="utf-8")
    parsed = parse_html(html)
    assert parsed.errors == [] and parsed.stack == [] and parsed.scripts == 0
    assert re.findall(r'data-verdict="(\w+)"', html) == ["Promoted", "RolledBack"]
    for run in ("1", "2"):
        metrics = [f["data-metric"] for f in parsed.figures
                   if f["run"] == run and f.get("data-plot") == "metric"]  # fmt: skip
        assert metrics == ["error-ratio", "latency"]
        assert [f for f in parsed.figures if f["run"] == run and f.get("data-plot") == "traffic"]
    cells = " ".join(parsed.cells)
    assert "non-inferiority shown" in cells and "worse than allowed 2×" in cells
    # every plot is an inline PNG; render the good run's error-ratio plot: it is not blank
    figure = next(i for i, f in enumerate(parsed.figures) if f.get("data-plot") == "metric")
    png = base64.b64decode(parsed.images[figure].split(",", 1)[1])
    assert png_size(png) == (900, 320)
    pixels = _pixels(png)
    assert pixels.std() > 0.05  # lines, markers and text, not an empty canvas


def test_the_demo_leaves_no_process_and_no_directory(canary: Ran) -> None:
    assert list(canary.tmp.glob(PREFIX + "*")) == []
    assert _processes_mentioning(canary.tmp) == []


def test_blue_green_runs_to_completion(tmp_path: Path) -> None:
    ran = _demo(tmp_path, "--strategy", "bluegreen", "--scenario", "good")
    assert ran.returncode == 0, ran.output
    assert "scenario good: Promoted after" in ran.output
    text = unboxed(ran.output)
    # compared with the stable through the preview before the switch, checked alone after it
    assert "analysis web-bg-v2-pre Successful" in text
    assert "analysis web-bg-v2-post Successful" in text
    html = ran.report.read_text(encoding="utf-8")
    assert 'data-verdict="Promoted"' in html and parse_html(html).errors == []
    assert list(tmp_path.glob(PREFIX + "*")) == []


def unboxed(text: str) -> str:
    """The console text with panel borders dropped and wrapped lines joined."""
    lines = [line.strip().strip("│").strip() for line in text.splitlines()]
    return " ".join(line for line in lines if line)


def _pixels(png: bytes) -> Any:
    from matplotlib.image import imread

    return imread(io.BytesIO(png), format="png")


def _processes_mentioning(path: Path) -> list[str]:
    """Live processes whose command line names `path` (the sandbox's children all do)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if stat[stat.rindex(")") + 2] not in "ZX" and str(path) in cmdline:
            found.append(cmdline.replace("\0", " "))
    return found
