"""`make demo` runs `rollout-engine demo`: its options; bad input refused before anything runs.

The demo itself (real nginx, Prometheus and load) runs in tests/e2e/sandbox/test_demo.py.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from typer.testing import CliRunner

from rollout_engine.cli.main import app
from rollout_engine.sandbox.state import PREFIX


def test_the_demo_offers_scenarios_strategies_fast_keep_and_a_report_path() -> None:
    result = CliRunner().invoke(app, ["demo", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    for option in ("--scenario", "--strategy", "--fast", "--keep", "--report", "--examples"):
        assert option in result.output
    assert "good|bad|both" in result.output and "canary|bluegreen|abtest" in result.output


def test_a_directory_without_the_manifests_is_refused_before_any_process_starts(
    tmp_path: Path,
) -> None:
    before = set(Path(tempfile.gettempdir()).glob(PREFIX + "*"))
    result = CliRunner().invoke(app, ["demo", "--examples", str(tmp_path)])
    assert result.exit_code == 2
    assert result.output.startswith("error: ") and "canary.yaml" in result.output
    assert "cannot read file" in result.output
    assert set(Path(tempfile.gettempdir()).glob(PREFIX + "*")) <= before  # no sandbox was made
