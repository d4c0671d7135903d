"""``rollout-engine analyze``: replay a template over a past window of Prometheus data.

Exit codes: 0 Successful, 1 Failed, 2 Inconclusive, 3 Error, 4 bad input
(missing file, bad option, invalid template, unresolved argument) — including
usage errors, which click would otherwise report as 2 (= Inconclusive here).
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from typer.core import TyperCommand
from typer.exceptions import TyperException

__all__ = ["BAD_INPUT", "AnalyzeCommand", "analyze"]

BAD_INPUT = 4


class AnalyzeCommand(TyperCommand):
    """Reports usage errors with exit code 4, keeping 2 for an Inconclusive verdict."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except TyperException as exc:  # click's UsageError, vendored by typer
            if exc.exit_code != 2:
                raise
            typer.echo(f"error: {exc.format_message()}", err=True)
            raise typer.Exit(BAD_INPUT) from None


def analyze(
    *,
    template: Annotated[str, typer.Option("--template", help="AnalysisTemplate YAML file")] = "",
    prometheus: Annotated[
        str, typer.Option("--prometheus", help="Prometheus URL (replaces every metric's address)")
    ] = "",
    start: Annotated[str, typer.Option("--start", help="RFC 3339 or Unix seconds")] = "",
    end: Annotated[str, typer.Option("--end", help="RFC 3339 or Unix seconds")] = "",
    arg: Annotated[
        list[str] | None, typer.Option("--arg", help="NAME=VALUE, repeatable", show_default=False)
    ] = None,
    secret_dir: Annotated[
        str | None,
        typer.Option("--secret-dir", help="directory of Secrets as mounted: DIR/<secret>/<key>"),
    ] = None,
    output: Annotated[str, typer.Option("-o", "--output", help="table or json")] = "table",
) -> None:
    """Replay a template over a past window, as the live engine would have measured it.

    Exit 0 Successful, 1 Failed, 2 Inconclusive, 3 Error, 4 bad input.
    """
    from rollout_engine.cli.analyze_load import BadInput, load, parse_time
    from rollout_engine.cli.analyze_output import EXIT_CODES

    try:
        _require(template=template, prometheus=prometheus, start=start, end=end)
        if output not in ("table", "json"):
            raise BadInput(f"--output must be table or json, got {output!r}")
        begin, finish = parse_time(start, option="--start"), parse_time(end, option="--end")
        if finish < begin:
            raise BadInput("--end is before --start")
        loaded = load(
            template=template, prometheus=prometheus, args=arg or [], secret_dir=secret_dir
        )
    except BadInput as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(BAD_INPUT) from None
    result = _replay(loaded, begin, finish)
    _show(result, output=output, template=loaded.name, start=begin, end=finish)
    raise typer.Exit(EXIT_CODES.get(result.status.phase, 3))


def _require(**options: str) -> None:
    from rollout_engine.cli.analyze_load import BadInput

    missing = [f"--{k}" for k, v in options.items() if not v]
    if missing:
        raise BadInput(f"missing option(s): {', '.join(missing)}")


def _replay(loaded: Any, begin: Any, finish: Any) -> Any:
    from analysis.replay import replay

    try:
        return replay(loaded.run, loaded.providers, start_at=begin, end_at=finish)
    finally:
        for provider in loaded.providers.values():
            close = getattr(provider, "close", None)
            if close is not None:
                close()


def _show(result: Any, *, output: str, template: str, start: Any, end: Any) -> None:
    from rollout_engine.cli.analyze_output import render_table, to_json

    if output == "json":
        typer.echo(json.dumps(to_json(result, template=template, start=start, end=end), indent=2))
        return
    from rich.console import Console

    console = Console(width=160, soft_wrap=False, highlight=False)
    for renderable in render_table(result, start=start):
        console.print(renderable, soft_wrap=not hasattr(renderable, "add_row"))
