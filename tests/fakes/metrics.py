"""An in-memory `MetricProvider`: answers from a script, records what it was asked.

Implements the Protocol structurally (no base class), as `httpx.MockTransport`
does for its transport seam.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from analysis.providers.base import QueryResult

__all__ = ["Asked", "QueryProvider", "ScriptedProvider"]

Answer = QueryResult | Exception


@dataclass(frozen=True)
class Asked:
    """One call the provider received."""

    expr: str
    at: datetime
    window: tuple[datetime, datetime, timedelta] | None = None


@dataclass
class ScriptedProvider:
    """Answers each call with `answer(at)`: a result, or an exception to raise."""

    answer: Callable[[datetime], Answer]
    asked: list[Asked] = field(default_factory=list)

    def query(self, *, expr: str, at: datetime) -> QueryResult:
        self.asked.append(Asked(expr, at))
        return self._give(self.answer(at))

    def query_range(
        self, *, expr: str, start: datetime, end: datetime, step: timedelta
    ) -> QueryResult:
        self.asked.append(Asked(expr, end, (start, end, step)))
        return self._give(self.answer(end))

    @staticmethod
    def _give(answer: Answer) -> QueryResult:
        if isinstance(answer, Exception):
            raise answer
        return answer


@dataclass
class QueryProvider:
    """Answers by query text: `instant(expr, at)` and `ranged(expr, start, end, step)`.

    For comparison metrics, whose sides ask different queries at the same time.
    """

    instant: Callable[[str, datetime], Answer]
    ranged: Callable[[str, datetime, datetime, timedelta], Answer] | None = None
    asked: list[Asked] = field(default_factory=list)

    def query(self, *, expr: str, at: datetime) -> QueryResult:
        self.asked.append(Asked(expr, at))
        return ScriptedProvider._give(self.instant(expr, at))

    def query_range(
        self, *, expr: str, start: datetime, end: datetime, step: timedelta
    ) -> QueryResult:
        self.asked.append(Asked(expr, end, (start, end, step)))
        if self.ranged is None:
            raise AssertionError(f"no range answer scripted for {expr}")
        return ScriptedProvider._give(self.ranged(expr, start, end, step))
