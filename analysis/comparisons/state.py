"""The sequential judges' state as one compact, versioned string (`MetricResult.state`).

A look folds new events into a log-likelihood ratio on a grid of effect sizes (one grid for
counts, one per bucket boundary for latency); the test continues only if the next look gets
that grid back. The controller keeps it in the AnalysisRun's status, so a restart between looks
continues the *same* test, and ``rollout-engine analyze`` round-trips it at every look exactly as
the live engine does (the replay and the live run see the same numbers).

Format: compact JSON holding the event totals fed so far, the running p-values and the look
count, plus each grid as float32, zlib-compressed and base64-encoded. float32 keeps about seven
significant digits — errors below 1e-4 of a nat where the evidence lies, far inside any decision
threshold — and halves the size: about 1.1 kB for a count test (twice that with a traffic-split
check) and 0.6 kB per bucket boundary for latency (8 kB for 14 buckets). The grid's step and
width are stored too: state from a judge with another grid is refused, never misread.
"""

from __future__ import annotations

import base64
import binascii
import json
import zlib
from collections.abc import Sequence
from typing import Any, Final

import numpy as np

from analysis.judges.mixture import Grid
from analysis.judges.sequential_counts import SRM_GRID, CountsState
from analysis.judges.sequential_latency import LatencyState

__all__ = ["StateError", "decode_counts", "decode_latency", "encode_counts", "encode_latency"]

VERSION: Final = 1


class StateError(ValueError):
    """The carried state cannot be read, or belongs to another judge or grid."""


def encode_counts(state: CountsState, grid: Grid) -> str:
    """`state` of a ``sequential-counts`` judge on `grid`."""
    srm = state.srm_loglik if any(state.srm_loglik) else ()
    return _dump(
        {
            "j": "counts",
            "g": [grid.step, grid.half_width],
            "n": [state.candidate_bad, state.candidate_total, state.stable_bad, state.stable_total],
            "p": state.p_value,
            "q": state.srm_p_value,
            "k": state.looks,
            "l": _pack(state.loglik),
            "s": _pack(srm) if srm else "",
        }
    )


def decode_counts(text: str | None, grid: Grid) -> CountsState | None:
    """The state `encode_counts` wrote; None before the first look."""
    if text is None:
        return None
    doc = _load(text, judge="counts", grid=grid)
    try:
        cb, ct, sb, st = (int(v) for v in doc["n"])
        loglik = _unpack(doc["l"], grid.points.size)
        srm = _unpack(doc["s"], SRM_GRID.points.size) if doc["s"] else ()
        return CountsState(
            loglik=loglik,
            srm_loglik=srm,
            p_value=float(doc["p"]),
            srm_p_value=float(doc["q"]),
            candidate_bad=cb,
            candidate_total=ct,
            stable_bad=sb,
            stable_total=st,
            looks=int(doc["k"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise StateError(f"unreadable count state ({exc})") from None


def encode_latency(state: LatencyState, grid: Grid) -> str:
    """`state` of a ``sequential-latency`` judge on `grid`."""
    flat = [v for row in state.loglik for v in row]
    return _dump(
        {
            "j": "latency",
            "g": [grid.step, grid.half_width],
            "b": list(state.bounds),
            "c": list(state.candidate),
            "s": list(state.stable),
            "p": state.p_value,
            "k": state.looks,
            "l": _pack(flat),
        }
    )


def decode_latency(text: str | None, grid: Grid) -> LatencyState | None:
    """The state `encode_latency` wrote; None before the first look."""
    if text is None:
        return None
    doc = _load(text, judge="latency", grid=grid)
    try:
        bounds = tuple(float(b) for b in doc["b"])
        size = grid.points.size
        flat = _unpack(doc["l"], len(bounds) * size)
        rows = tuple(flat[i * size : (i + 1) * size] for i in range(len(bounds)))
        candidate = tuple(int(v) for v in doc["c"])
        stable = tuple(int(v) for v in doc["s"])
        if len(candidate) != len(bounds) + 1 or len(stable) != len(bounds) + 1:
            raise ValueError("bucket counts do not match the bounds")
        return LatencyState(bounds, rows, float(doc["p"]), candidate, stable, int(doc["k"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise StateError(f"unreadable latency state ({exc})") from None


def _dump(doc: dict[str, Any]) -> str:
    return json.dumps({"v": VERSION, **doc}, separators=(",", ":"))


def _load(text: str, *, judge: str, grid: Grid) -> dict[str, Any]:
    try:
        doc = json.loads(text)
    except ValueError:
        raise StateError("the carried state is not JSON") from None
    if not isinstance(doc, dict) or doc.get("v") != VERSION:
        raise StateError(f"the carried state is not version {VERSION} judge state")
    if doc.get("j") != judge:
        raise StateError(f"the carried state belongs to the {doc.get('j')!r} judge, not {judge!r}")
    if doc.get("g") != [grid.step, grid.half_width]:
        raise StateError(f"the carried state was computed on another grid ({doc.get('g')})")
    return doc


def _pack(values: Sequence[float]) -> str:
    raw = np.asarray(values, dtype="<f4").tobytes()
    return base64.b64encode(zlib.compress(raw, 9)).decode("ascii")


def _unpack(text: str, size: int) -> tuple[float, ...]:
    try:
        raw = zlib.decompress(base64.b64decode(text, validate=True))
    except (binascii.Error, zlib.error, ValueError) as exc:
        raise StateError(f"a grid of the carried state is corrupt ({exc})") from None
    values = np.frombuffer(raw, dtype="<f4")
    if values.size != size:
        raise StateError(f"a grid of the carried state has {values.size} points, not {size}")
    return tuple(float(v) for v in values)
