"""``rollout-engine demo``: a canary (or blue/green, or A/B test) judged for real, no cluster.

Starts the local sandbox — two versions of a small service, a real nginx
routing between them, a real Prometheus scraping them, steady load — and
runs a Rollout from ``examples/sandbox/`` on it with the same strategy
engine and analysis as the controller: a good candidate is promoted, then a
regressed one is rolled back. Progress is shown live; an HTML report with
the plots and the statistics behind each verdict is written at the end.

Exit codes: 0 every scenario ended as expected, 1 one did not, 2 bad input
or the sandbox could not run, 130 interrupted (Ctrl-C).
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

__all__ = ["demo"]

DEFAULT_REPORT = Path("rollout-engine-demo.html")


class ScenarioChoice(StrEnum):
    good = "good"
    bad = "bad"
    both = "both"


class StrategyChoice(StrEnum):
    canary = "canary"
    bluegreen = "bluegreen"
    abtest = "abtest"


def _default_examples() -> Path:
    """``examples/sandbox`` here, or next to the package (an editable install of the repo)."""
    here = Path("examples/sandbox")
    if here.is_dir():
        return here
    import rollout_engine

    return Path(rollout_engine.__file__).resolve().parents[1] / "examples" / "sandbox"


def demo(
    *,
    scenario: Annotated[
        ScenarioChoice, typer.Option(help="good (promoted), bad (rolled back), or both in turn")
    ] = ScenarioChoice.both,
    strategy: Annotated[StrategyChoice, typer.Option(help="which Rollout to run")] = (
        StrategyChoice.canary
    ),
    fast: Annotated[
        bool, typer.Option("--fast", help="halve every duration and raise the load (for tests)")
    ] = False,
    keep: Annotated[
        bool, typer.Option("--keep", help="leave the processes running; print how to stop them")
    ] = False,
    report: Annotated[Path, typer.Option(help="where to write the HTML report")] = DEFAULT_REPORT,
    examples: Annotated[
        Path | None, typer.Option(help="directory of the sandbox manifests")
    ] = None,
) -> None:
    """Run a progressive rollout on a local sandbox (real nginx and Prometheus) and judge it."""
    from rich.console import Console

    from rollout_engine.errors import RolloutEngineError
    from rollout_engine.sandbox.demo import DemoOptions, parse_scenarios, run_demo

    console = Console(highlight=False)
    if not console.is_terminal:  # NB: logs and pipes get a wide, final view
        console = Console(highlight=False, width=max(console.width, 120))
    options = DemoOptions(
        examples=examples or _default_examples(),
        report=report,
        strategy=strategy.value,
        scenarios=tuple(parse_scenarios(scenario.value)),
        fast=fast,
        keep=keep,
    )
    try:
        result = run_demo(options, console=console)
    except KeyboardInterrupt:
        console.print("interrupted: every process of the sandbox is stopped", markup=False)
        raise typer.Exit(130) from None
    except RolloutEngineError as exc:
        console.print(f"error: {exc}", markup=False)
        raise typer.Exit(2) from None
    console.print(f"report: {result.report}", markup=False, soft_wrap=True)
    if result.kept:
        console.print(result.kept, markup=False, soft_wrap=True)
    raise typer.Exit(0 if result.as_expected else 1)
