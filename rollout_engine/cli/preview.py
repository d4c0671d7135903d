"""A plain preview of each Rollout's declared steps, for the demo."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import yaml
from rich.table import Table

from rollout_engine.api.rollout import CanaryStep, Rollout

__all__ = ["preview_tables", "step_summary"]


def step_summary(step: CanaryStep) -> tuple[str, str]:
    """(action, detail) of one canary step."""
    if step.set_weight is not None:
        return "setWeight", f"{step.set_weight}%"
    if step.pause is not None:
        return "pause", str(
            step.pause.duration
        ) if step.pause.duration is not None else "until promoted"
    if step.analysis is not None:
        return "analysis", ", ".join(t.template_name for t in step.analysis.templates)
    route = step.set_header_route or step.set_cookie_route
    assert route is not None
    kind = "setHeaderRoute" if step.set_header_route else "setCookieRoute"
    return (
        kind,
        f"{route.name}: {len(route.match)} match(es)" if route.match else f"{route.name}: remove",
    )


def preview_tables(directory: Path) -> Iterator[Table]:
    """One table per valid Rollout found in `directory`."""
    for path in sorted(directory.rglob("*.yaml")):
        for body in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if not isinstance(body, dict) or body.get("kind") != "Rollout":
                continue
            try:
                rollout = Rollout.model_validate(body)
            except ValueError:
                continue
            yield _table(rollout, path)


def _table(rollout: Rollout, path: Path) -> Table:
    strategy = rollout.spec.strategy
    table = Table(title=f"{rollout.metadata.name} ({strategy.kind}) — {path}")
    table.add_column("#", justify="right")
    table.add_column("action")
    table.add_column("detail")
    if strategy.canary is not None:
        for i, step in enumerate(strategy.canary.steps):
            table.add_row(str(i), *step_summary(step))
    elif strategy.blue_green is not None:
        bg = strategy.blue_green
        table.add_row("0", "preview", "candidate behind the preview Service")
        table.add_row("1", "prePromotionAnalysis", _names(bg.pre_promotion_analysis))
        table.add_row("2", "promote", "auto" if bg.auto_promotion_enabled else "wait for a person")
        table.add_row("3", "postPromotionAnalysis", _names(bg.post_promotion_analysis))
    elif strategy.ab_test is not None:
        ab = strategy.ab_test
        length = ab.duration or f"{ab.iterations} × {ab.interval}"
        table.add_row("0", "match", f"{len(ab.match)} segment(s) to the candidate for {length}")
        table.add_row("1", "analysis", _names(ab.analysis))
    return table


def _names(analysis: object) -> str:
    templates = getattr(analysis, "templates", None)
    return ", ".join(t.template_name for t in templates) if templates else "—"
