"""Printing: the stable shapes as JSON or YAML, the human views through rich."""

from __future__ import annotations

import json
from typing import Any

import typer
import yaml
from pydantic import BaseModel
from rich.console import Console, RenderableType

from rollout_engine.cli.plugin.options import Output

__all__ = ["as_data", "console", "emit", "show"]


def as_data(model: BaseModel) -> dict[str, Any]:
    """The machine shape: camelCase keys, every key present, RFC 3339 times."""
    return model.model_dump(mode="json", by_alias=True)


def emit(model: BaseModel, output: Output, *, compact: bool = False) -> None:
    """Print `model` as JSON (one line when `compact`, for a stream) or as a YAML document."""
    data = as_data(model)
    if output is Output.yaml:
        typer.echo(("---\n" if compact else "") + yaml.safe_dump(data, sort_keys=False), nl=False)
    else:
        typer.echo(json.dumps(data) if compact else json.dumps(data, indent=2))


_PIPE_WIDTH = 1000


def console() -> Console:
    """stdout, without automatic highlighting (numbers in messages are not syntax).

    In a pipe lines are not wrapped (as kubectl does not wrap), so a line
    greps whole; on a terminal rich wraps them inside the tree's guides.
    """
    out = Console(highlight=False)
    if not out.is_terminal:
        out.width = _PIPE_WIDTH
    return out


def show(renderable: RenderableType, *, on: Console | None = None) -> None:
    """Print a human view."""
    (on or console()).print(renderable)
