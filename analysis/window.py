"""``rangeQuery``: the window of a range query, as Argo writes it (``now() - duration("5m")``).

``start`` and ``end`` are small CEL expressions over one function, ``now()``,
which returns the measurement time — so a replay evaluates the window the
live engine would have used at that moment. ``step`` is a duration.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

import cel

from rollout_engine.errors import SpecError

__all__ = ["RangeWindow", "compile_window"]

_FUNCTIONS: Final = frozenset({"now", "duration", "timestamp", "_+_", "_-_"})


@dataclass(frozen=True)
class RangeWindow:
    """Compiled ``start``/``end`` expressions and the step."""

    start: Any
    end: Any
    step: timedelta
    start_source: str
    end_source: str

    def at(self, now: datetime) -> tuple[datetime, datetime]:
        """The (start, end) of the window for a measurement at `now`.

        Raises:
            SpecError: an expression does not yield a time, or start is after end.
        """
        context = cel.Context({}, {"now": lambda: now})
        start = _run(self.start, context, self.start_source)
        end = _run(self.end, context, self.end_source)
        if start > end:
            raise SpecError(
                f"the window starts ({start.isoformat()}) after it ends ({end.isoformat()})",
                path="provider.prometheus.rangeQuery",
            )
        return start, end


def compile_window(*, start: str, end: str, step: timedelta, path: str) -> RangeWindow:
    """Compile a window's expressions.

    Raises:
        SpecError: an expression does not compile or reads a variable.
    """
    if step <= timedelta(0):
        raise SpecError("step must be positive", path=f"{path}.step")
    return RangeWindow(
        start=_compile(start, f"{path}.start"),
        end=_compile(end, f"{path}.end"),
        step=step,
        start_source=start,
        end_source=end,
    )


def _compile(expr: str, path: str) -> Any:
    try:
        program = cel.compile(expr)
    except (ValueError, RuntimeError) as exc:
        first = str(exc).splitlines()[0].split(" expecting ")[0]
        raise SpecError(f"does not compile: {first}", path=path) from exc
    names = sorted(str(v) for v in program.variables())
    names += sorted(str(f) for f in program.functions() if str(f) not in _FUNCTIONS)
    if names:
        raise SpecError(
            f"uses {names[0]!r}; only now(), duration() and timestamp() exist here", path=path
        )
    return program


def _run(program: Any, context: Any, source: str) -> datetime:
    try:
        value = program.execute(context)
    except Exception as exc:  # CEL raises several types
        raise SpecError(
            f"{source!r} cannot be evaluated: {exc}", path="provider.prometheus.rangeQuery"
        ) from exc
    if not isinstance(value, datetime):
        raise SpecError(f"{source!r} is not a time", path="provider.prometheus.rangeQuery")
    return value
