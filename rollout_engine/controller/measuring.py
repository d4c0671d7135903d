"""Measure what is due in one AnalysisRun and write its status: the verdict's second hop.

For a run the engine wants: compile its spec with the arguments resolved now
(Secrets read by name with the controller's service account), start it if it
has no status yet, take every measurement that is due (``analysis.measure``,
which never raises), fold each into the status (``analysis.run.record``) and
write the status once, through the status subresource, guarded by
resourceVersion. For a run the engine no longer wants: ``terminate`` it
(a run cut short is never Successful unless its criteria were met). The
next due time goes back to the caller, which arms a timer for it.

An argument that cannot be resolved or a template that does not compile puts
the run in Error at once (Argo's rule); the engine then aborts, fail-closed.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from analysis.args import ArgSources, resolve_args
from analysis.measure import measure
from analysis.measured import Measured, error_measurement
from analysis.providers.base import MetricProvider
from analysis.providers.registry import build_provider
from analysis.run import due, failed_start, is_final_look, record, start, terminate
from analysis.spec import CompiledMetric, CompiledRun, compile_run
from analysis.verdict import TERMINAL
from rollout_engine.api.analysisrun import AnalysisRun, AnalysisRunStatus
from rollout_engine.api.base import dump
from rollout_engine.controller.clock import Clock
from rollout_engine.controller.metrics import ANALYSIS_VERDICTS, MEASUREMENTS
from rollout_engine.controller.secrets import SecretReader
from rollout_engine.controller.writes import Writer
from rollout_engine.errors import SpecError
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
        before = run.status
        if before is not None and before.phase in TERMINAL:
            return RunOutcome(False, None, before.phase)
        now = self._clock()
        try:
            compiled = compile_run(run.spec, args=self._args(run, ctx))
        except SpecError as exc:
            after = failed_start(now=now, message=f"the run cannot start: {exc}")
            return self._write(obj, before, after, next_at=None)
        if stop is not None or run.spec.terminate:
            current = (
                before if before is not None and before.started_at else start(compiled, now=now)
            )
            after = terminate(compiled, current, now=now, reason=stop or "spec.terminate is set")
            return self._write(obj, before, after, next_at=None)
        after = self._measure(compiled, before, ctx, now=now)
        return self._write(obj, before, after, next_at=due(compiled, after, now=now).next_at)

    def _measure(
        self, run: CompiledRun, before: AnalysisRunStatus | None, ctx: RunContext, *, now: datetime
    ) -> AnalysisRunStatus:
        status = before if before is not None and before.started_at else start(run, now=now)
        assert status.started_at is not None
        for name in due(run, status, now=now).due:
            metric = run.metric(name)
            result = next(r for r in status.metric_results if r.name == name)
            measured = self._one(
                metric,
                ctx,
                now=now,
                started=status.started_at,
                state=result.state,
                final=is_final_look(metric, result),
            )
            MEASUREMENTS.labels(phase=measured.measurement.phase).inc()
            status = record(run, status, metric=name, measured=measured, now=now)
        return status

    def _one(
        self,
        metric: CompiledMetric,
        ctx: RunContext,
        *,
        now: datetime,
        started: datetime,
        state: str | None,
        final: bool,
    ) -> Measured:
        prom = metric.provider.prometheus
        address = None if prom is not None and prom.address else self._default_address
        try:
            provider = self._build(
                metric.provider, secrets=self._secrets.for_namespace(ctx.namespace), address=address
            )
        except SpecError as exc:
            return error_measurement(
                at=now,
                finished=self._clock(),
                message=f"{metric.name}: {exc}",
                query=None,
                secrets=metric.secrets,
            )
        try:
            return measure(
                metric,
                provider,
                now=now,
                started_at=started,
                state=state,
                final=final,
                clock=self._clock,
            )
        finally:
            close = getattr(provider, "close", None)
            if callable(close):
                with contextlib.suppress(Exception):
                    close()

    def _args(self, run: AnalysisRun, ctx: RunContext) -> Any:
        fields = {
            "metadata.name": ctx.rollout,
            "metadata.namespace": ctx.namespace,
            "metadata.uid": ctx.uid,
        }
        sources = ArgSources(
            secret=self._secrets.for_namespace(ctx.namespace),
            fields=fields,
            pod_template_hashes={"Stable": ctx.stable, "Latest": ctx.candidate},
        )
        return resolve_args(run.spec.args, (), sources=sources)

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
