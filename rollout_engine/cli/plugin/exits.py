"""Exit codes and error reporting: one line on stderr, a documented code, never a traceback.

=====  ==================================================================
code   meaning
=====  ==================================================================
0      done (or nothing to do: the same intent is already pending)
1      any other error (API unreachable, bad kubeconfig, unreadable object)
2      usage (unknown flag, bad ``-o`` value, malformed ``CONTAINER=IMAGE``)
3      not found (the Rollout, its Deployment, or the namespace)
4      forbidden (your credentials lack the permission; 401 or 403)
5      invalid state (the request does not apply now: retry a rollout that
       is not aborted, promote a Healthy one, an unknown container …)
6      conflict (the rollout changed while the request was written, even
       after one re-read and retry; nothing was written)
7      ``get --watch`` ended with the rollout Degraded
130    interrupted (Ctrl-C)
=====  ==================================================================
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from enum import IntEnum
from typing import NoReturn

import typer

from rollout_engine.errors import Conflict, Forbidden, KubeError, NotFound, RolloutEngineError

__all__ = ["ExitCode", "exit_code_for", "fail", "reported"]


class ExitCode(IntEnum):
    """The plugin's exit codes (documented in the module docstring and the README)."""

    OK = 0
    ERROR = 1
    USAGE = 2
    NOT_FOUND = 3
    FORBIDDEN = 4
    INVALID_STATE = 5
    CONFLICT = 6
    DEGRADED = 7
    INTERRUPTED = 130


def exit_code_for(error: RolloutEngineError) -> ExitCode:
    """The code an exception of the engine's tree maps to."""
    if isinstance(error, NotFound):
        return ExitCode.NOT_FOUND
    if isinstance(error, Forbidden):
        return ExitCode.FORBIDDEN
    if isinstance(error, Conflict):
        return ExitCode.CONFLICT
    return ExitCode.ERROR


def fail(message: str, code: ExitCode) -> NoReturn:
    """Print ``error: message`` on stderr and exit with `code`."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(int(code))


def _describe(error: RolloutEngineError) -> str:
    if isinstance(error, Forbidden):
        return (
            f"forbidden: {error}\n"
            "  the plugin acts with your own credentials; ask for the permission above "
            "(check with kubectl auth can-i)"
        )
    if isinstance(error, Conflict):
        return f"conflict: {error}; nothing was written, look again and retry"
    return str(error)


@contextmanager
def reported() -> Iterator[None]:
    """Turn the engine's exceptions and Ctrl-C into a message and an exit code."""
    try:
        yield
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        raise typer.Exit(int(ExitCode.INTERRUPTED)) from None
    except KubeError as exc:
        fail(_describe(exc), exit_code_for(exc))
    except RolloutEngineError as exc:
        fail(str(exc), ExitCode.ERROR)
