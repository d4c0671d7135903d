"""Measure what is due in one AnalysisRun and write its status: the verdict's second hop.

For a run the engine wants: compile its spec with the arguments resolved now
(Secrets read by name with the controller's service account), start it if it
has no status yet, take every measurement that is due, fold each into the
status and write the status once, through the status subresource, guarded by
resourceVersion. For a run the engine no longer wants: terminate it (a run
cut short is never Successful unless its criteria were met). The next due
time goes back to the caller, which arms a timer for it.

The pass itself is ``rollout_engine.engine.step_run``, which the local
sandbox drives too; what is the controller's own is reading the run object,
where Secrets come from, the write, and the metrics about itself.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from analysis.args import ArgSources
from analysis.measured import Measured
from analysis.providers.base import MetricProvider
from analysis.providers.registry import build_provider
from analysis.verdict import TERMINAL
from rollout_engine.api.analysisrun import AnalysisRun, AnalysisRunStatus
from rollout_engine.api.base import dump
from rollout_engine.controller.clock import Clock
from rollout_engine.controller.metrics import ANALYSIS_VERDICTS, MEASUREMENTS
from rollout_engine.controller.secrets import SecretReader
from rollout_engine.controller.writes import Writer
from rollout_engine.engine import provider_for, step_run
from rollout_engine.kube import kind

__all__ = ["Measurer", "RunContext", "RunOutcome"]

log = logging.getLogger("rollout_engine.controller.measuring")
ANALYSIS_RUN = kind("AnalysisRun")
Obj = dict[str, Any]


@dataclass(frozen=True)
class RunContext:
    """What argument resolution needs besides Secrets: the Rollout and its revisions."""

    namespace: str
    rollout: str
    uid: str
    stable: str
    candidate: str


@dataclass(frozen=True)
class RunOutcome:
    """What happened to one run: whether its status was written, and when it is due next."""

    written: bool
    next_at: datetime | None
    phase: str


class Measurer:
    """Advances AnalysisRuns: start, measure when due, terminate, write status."""

    def __init__(
        self,
        *,
        writer: Writer,
        secrets: SecretReader,
        clock: Clock,
        default_address: str | None = None,
        providers: Callable[..., MetricProvider] = build_provider,
    ) -> None:
        self._writer, self._secrets, self._clock = writer, secrets, clock
        self._default_address = default_address
        self._build = providers

    def advance(self, obj: Obj, ctx: RunContext, *, stop: str | None = None) -> RunOutcome:
        """Measure `obj` (as read), or terminate it with reason `stop`."""
        try:
            run = AnalysisRun.model_validate(obj)
        except ValidationError as exc:
            log.warning("AnalysisRun %s is unreadable: %s", obj["metadata"]["name"], exc)
            return RunOutcome(False, None, "Unknown")
        secrets = self._secrets.for_namespace(ctx.namespace)
        step = step_run(
            run.spec,
            run.status,
            sources=self._sources(ctx),
            providers=provider_for(
                self._build, secrets=secrets, default_address=self._default_address
            ),
            clock=self._clock,
            stop=stop,
            on_measured=_count,
        )
        return self._write(obj, run.status, step.status, next_at=step.next_at)

    def _sources(self, ctx: RunContext) -> ArgSources:
        fields = {
            "metadata.name": ctx.rollout,
            "metadata.namespace": ctx.namespace,
            "metadata.uid": ctx.uid,
        }
        return ArgSources(
            secret=self._secrets.for_namespace(ctx.namespace),
            fields=fields,
            pod_template_hashes={"Stable": ctx.stable, "Latest": ctx.candidate},
        )

    def _write(
        self,
        obj: Obj,
        before: AnalysisRunStatus | None,
        after: AnalysisRunStatus,
        *,
        next_at: datetime | None,
    ) -> RunOutcome:
        if before is not None and dump(before) == dump(after):
            return RunOutcome(False, next_at, after.phase)
        self._writer.replace(ANALYSIS_RUN, {**obj, "status": dump(after)}, status=True)
        if after.phase in TERMINAL:
            ANALYSIS_VERDICTS.labels(result=after.phase).inc()
        return RunOutcome(True, next_at, after.phase)


def _count(measured: Measured) -> None:
    MEASUREMENTS.labels(phase=measured.measurement.phase).inc()
