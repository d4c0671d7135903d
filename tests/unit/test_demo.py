"""`make demo` runs `rollout-engine demo`: until the sandbox lands, lint, plans and a simulation."""

from __future__ import annotations

from typer.testing import CliRunner

from rollout_engine.cli.main import app
from tests.paths import EXAMPLES


def test_demo_lints_the_examples_prints_every_plan_and_simulates_a_canary() -> None:
    result = CliRunner().invoke(app, ["demo", "--examples", str(EXAMPLES)])
    assert result.exit_code == 0, result.output
    assert "0 errors, 0 warnings" in result.output
    for title in ("web (canary)", "checkout (blueGreen)", "search (abTest)"):
        assert title in result.output
    assert "setWeight" in result.output and "until promoted" in result.output
    assert "simulated rollout of web" in result.output
    assert "revision rev2 promoted: the stable runs it (was rev1)" in result.output
