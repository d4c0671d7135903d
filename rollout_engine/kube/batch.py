"""Several reads at once: one round trip of latency instead of one per object.

The plugin's ``get`` needs the Rollout, then its two Deployments and its
AnalysisRuns; asked one after the other that is five round trips, asked
together it is two. Failures come back as values (a missing AnalysisRun is
an answer, not a reason to lose the others), so the caller decides which
ones matter.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from rollout_engine.errors import KubeError
from rollout_engine.kube.kinds import Kind
from rollout_engine.kube.objects import Objects

__all__ = ["Ref", "concurrently", "get_all"]

T = TypeVar("T")
_MAX_WORKERS = 8


@dataclass(frozen=True)
class Ref:
    """One object to read."""

    kind: Kind
    name: str
    namespace: str | None = None


def concurrently(
    calls: Sequence[Callable[[], T]], *, max_workers: int = _MAX_WORKERS
) -> list[T | KubeError]:
    """Run API calls in parallel; each answer is the call's result or the KubeError it raised.

    The answers are in the order of `calls`. The client's urllib3 pool is
    thread-safe and larger than `max_workers` connections.
    """

    def one(call: Callable[[], T]) -> T | KubeError:
        try:
            return call()
        except KubeError as exc:
            return exc

    if len(calls) <= 1:
        return [one(call) for call in calls]
    with ThreadPoolExecutor(max_workers=min(max_workers, len(calls))) as pool:
        return list(pool.map(one, calls))


def get_all(
    objects: Objects, refs: Sequence[Ref], *, max_workers: int = _MAX_WORKERS
) -> list[dict[str, Any] | KubeError]:
    """GET every ref concurrently (see :func:`concurrently`)."""

    def getter(ref: Ref) -> Callable[[], dict[str, Any]]:
        return lambda: objects.get(ref.kind, name=ref.name, namespace=ref.namespace)

    return concurrently([getter(ref) for ref in refs], max_workers=max_workers)
