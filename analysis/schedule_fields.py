"""A metric's scheduling and limit fields, parsed and checked (Argo's ``ValidateMetric``).

``interval``, ``initialDelay``, ``count`` and the three limits may each be an
``{{args.x}}`` placeholder (Argo's e2e templates template them all), so they
are substituted first and then parsed strictly: a duration must be a duration,
a limit an integer. Defaults are Argo Rollouts': neither ``interval`` nor
``count`` → one measurement; ``interval`` alone → measure until the run is
terminated; ``failureLimit`` 0 (-1 disables it), ``inconclusiveLimit`` 0,
``consecutiveErrorLimit`` 4.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Final

from analysis.args import Args
from analysis.templating import render_field
from rollout_engine.api.durations import parse_duration
from rollout_engine.api.metric import Metric
from rollout_engine.errors import SpecError

__all__ = ["DEFAULT_CONSECUTIVE_ERROR_LIMIT", "Schedule", "parse_duration_field", "schedule_of"]

DEFAULT_CONSECUTIVE_ERROR_LIMIT: Final = 4


@dataclass(frozen=True)
class Schedule:
    """When a metric measures and how many outcomes of each kind it tolerates."""

    interval: timedelta | None
    initial_delay: timedelta
    count: int | None
    failure_limit: int
    inconclusive_limit: int
    consecutive_error_limit: int


def schedule_of(metric: Metric, *, args: Args, path: str) -> Schedule:
    """Parse and check the fields of `metric` at `path` (``spec.metrics[i]``).

    Raises:
        SpecError: a field that does not parse, or limits that contradict ``count``.
    """
    interval = parse_duration_field(metric.interval, args=args, path=f"{path}.interval")
    if interval is not None and interval <= timedelta(0):
        raise SpecError("interval must be positive", path=f"{path}.interval")
    delay = parse_duration_field(metric.initial_delay, args=args, path=f"{path}.initialDelay")
    schedule = Schedule(
        interval=interval,
        initial_delay=delay or timedelta(0),
        count=_count(metric, interval=interval, args=args, path=path),
        failure_limit=_int(metric.failure_limit, 0, args=args, path=f"{path}.failureLimit"),
        inconclusive_limit=_int(
            metric.inconclusive_limit, 0, args=args, path=f"{path}.inconclusiveLimit"
        ),
        consecutive_error_limit=_int(
            metric.consecutive_error_limit,
            DEFAULT_CONSECUTIVE_ERROR_LIMIT,
            args=args,
            path=f"{path}.consecutiveErrorLimit",
        ),
    )
    _check(schedule, path=path)
    return schedule


def parse_duration_field(raw: str | None, *, args: Args, path: str) -> timedelta | None:
    """A templated duration field, or None when it is not set."""
    if raw is None:
        return None
    return parse_duration(render_field(raw, args=args, path=path).text, path=path)


def _count(metric: Metric, *, interval: timedelta | None, args: Args, path: str) -> int | None:
    if metric.count is None:
        return None if interval is not None else 1
    count = _int(metric.count, 1, args=args, path=f"{path}.count")
    if count < 1:
        raise SpecError(f"count must be at least 1, got {count}", path=f"{path}.count")
    if count > 1 and interval is None:
        raise SpecError(f"count {count} needs an interval", path=f"{path}.count")
    return count


def _check(schedule: Schedule, *, path: str) -> None:
    if schedule.failure_limit < -1:
        raise SpecError("must be -1 (disabled) or more", path=f"{path}.failureLimit")
    for name, value in (
        ("inconclusiveLimit", schedule.inconclusive_limit),
        ("consecutiveErrorLimit", schedule.consecutive_error_limit),
    ):
        if value < 0:
            raise SpecError(f"must be 0 or more, got {value}", path=f"{path}.{name}")
    if schedule.count is None:
        return
    for name, value in (
        ("failureLimit", schedule.failure_limit),
        ("inconclusiveLimit", schedule.inconclusive_limit),
    ):
        if value > schedule.count:
            raise SpecError(
                f"{value} exceeds count {schedule.count}, so it can never trip",
                path=f"{path}.{name}",
            )


def _int(raw: int | str | None, default: int, *, args: Args, path: str) -> int:
    if raw is None:
        return default
    if isinstance(raw, int):
        return raw
    text = render_field(raw, args=args, path=path).text.strip()
    if not re.fullmatch(r"-?[0-9]+", text):
        raise SpecError(f"expected an integer, got {text!r}", path=path)
    return int(text)
