"""Kubernetes-style durations (``30s``, ``5m``, ``1h30m``) to and from timedelta.

Argo Rollouts accepts Go duration strings and, for pauses, a bare number of
seconds; both parse here so templates carry over unchanged.
"""

from __future__ import annotations

import math
import re
from datetime import timedelta
from typing import Final

from rollout_engine.errors import SpecError

__all__ = ["format_duration", "parse_duration"]

_PART: Final = re.compile(r"([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)")
_UNIT_SECONDS: Final = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


def parse_duration(value: str | int | float, *, path: str = "") -> timedelta:
    """Parse ``"1h30m"``, ``"500ms"``, ``"0"`` or a number of seconds.

    Raises:
        SpecError: the value is not a duration; the message names `path`.
    """
    if isinstance(value, bool):
        raise SpecError(f"expected a duration such as 30s, got {value!r}", path=path)
    if isinstance(value, int | float):
        if value < 0 or not math.isfinite(value):
            raise SpecError(f"duration must be a non-negative number, got {value!r}", path=path)
        return timedelta(seconds=value)
    text = value.strip()
    if text.isdigit():
        return timedelta(seconds=int(text))
    pos, seconds = 0, 0.0
    for match in _PART.finditer(text):
        if match.start() != pos:
            break
        seconds += float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
        pos = match.end()
    if pos != len(text) or not text:
        raise SpecError(f"expected a duration such as 30s, 5m or 1h30m, got {value!r}", path=path)
    return timedelta(seconds=seconds)


def format_duration(delta: timedelta) -> str:
    """Render a timedelta compactly (``1h30m``, ``45s``, ``250ms``) for messages and queries."""
    total_ms = round(delta.total_seconds() * 1000)
    if total_ms == 0:
        return "0s"
    if total_ms % 1000:
        return f"{total_ms}ms"
    seconds = total_ms // 1000
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [
        f"{hours}h" if hours else "",
        f"{minutes}m" if minutes else "",
        f"{secs}s" if secs else "",
    ]
    return "".join(parts)
