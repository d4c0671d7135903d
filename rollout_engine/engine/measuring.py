"""Advance one AnalysisRun by one pass: start it, measure what is due, or terminate it.

The path of a verdict's second hop (architecture.md), shared by the
controller and the local sandbox so both judge with the same calls in the
same order: compile the run's spec with its arguments resolved now
(``analysis.spec.compile_run``), start it if it has no status yet
(``analysis.run.start``), take every measurement that is due
(``analysis.measure.measure``, which never raises) and fold each into the
status (``analysis.run.record``) — or, for a run the strategy no longer
wants, ``analysis.run.terminate`` it (a run cut short is never Successful
unless its criteria were met). The caller stores the status where it keeps
runs and wakes up at ``next_at``.

An argument that cannot be resolved or a template that does not compile
puts the run in Error at once (Argo's rule); the engine then aborts,
fail-closed.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from analysis.args import ArgSources, resolve_args
from analysis.measure import measure
from analysis.measured import Measured, error_measurement
from analysis.providers.base import MetricProvider, SecretResolver
from analysis.run import due, failed_start, is_final_look, record, start, terminate
from analysis.spec import CompiledMetric, CompiledRun, compile_run
from analysis.verdict import TERMINAL
from rollout_engine.api.analysisrun import AnalysisRunSpec, AnalysisRunStatus
from rollout_engine.errors import SpecError

__all__ = ["ProviderFor", "RunStep", "provider_for", "step_run"]

ProviderFor = Callable[[CompiledMetric], MetricProvider]
"""The provider that measures a metric now; raises SpecError when it cannot be built."""
Clock = Callable[[], datetime]


@dataclass(frozen=True)
class RunStep:
    """A run's status after one pass, and when it is due next (None: nothing is pending)."""

    status: AnalysisRunStatus
    next_at: datetime | None


def provider_for(
    build: Callable[..., MetricProvider], *, secrets: SecretResolver, default_address: str | None
) -> ProviderFor:
    """Providers from a registry factory; a metric without an address gets `default_address`."""

    def make(metric: CompiledMetric) -> MetricProvider:
        prom = metric.provider.prometheus
        address = None if prom is not None and prom.address else default_address
        return build(metric.provider, secrets=secrets, address=address)

    return make


def step_run(
    spec: AnalysisRunSpec,
    before: AnalysisRunStatus | None,
    *,
    sources: ArgSources,
    providers: ProviderFor,
    clock: Clock,
    stop: str | None = None,
    on_measured: Callable[[Measured], None] | None = None,
) -> RunStep:
    """One pass over a run whose status is `before`; `stop` terminates it with that reason."""
    if before is not None and before.phase in TERMINAL:
        return RunStep(before, None)
    now = clock()
    try:
        compiled = compile_run(spec, args=resolve_args(spec.args, (), sources=sources))
    except SpecError as exc:
        return RunStep(failed_start(now=now, message=f"the run cannot start: {exc}"), None)
    if stop is not None or spec.terminate:
        current = before if before is not None and before.started_at else start(compiled, now=now)
        reason = stop or "spec.terminate is set"
        return RunStep(terminate(compiled, current, now=now, reason=reason), None)
    after = _measure_due(
        compiled, before, now=now, providers=providers, clock=clock, on_measured=on_measured
    )
    return RunStep(after, due(compiled, after, now=now).next_at)


def _measure_due(
    run: CompiledRun,
    before: AnalysisRunStatus | None,
    *,
    now: datetime,
    providers: ProviderFor,
    clock: Clock,
    on_measured: Callable[[Measured], None] | None,
) -> AnalysisRunStatus:
    status = before if before is not None and before.started_at else start(run, now=now)
    assert status.started_at is not None
    for name in due(run, status, now=now).due:
        metric = run.metric(name)
        result = next(r for r in status.metric_results if r.name == name)
        measured = _measure_one(
            metric,
            providers,
            now=now,
            started=status.started_at,
            state=result.state,
            final=is_final_look(metric, result),
            clock=clock,
        )
        if on_measured is not None:
            on_measured(measured)
        status = record(run, status, metric=name, measured=measured, now=now)
    return status


def _measure_one(
    metric: CompiledMetric,
    providers: ProviderFor,
    *,
    now: datetime,
    started: datetime,
    state: str | None,
    final: bool,
    clock: Clock,
) -> Measured:
    try:
        provider = providers(metric)
    except SpecError as exc:
        return error_measurement(
            at=now, finished=clock(), message=f"{metric.name}: {exc}", query=None,
            secrets=metric.secrets,
        )  # fmt: skip
    try:
        return measure(
            metric, provider, now=now, started_at=started, state=state, final=final, clock=clock
        )
    finally:
        close = getattr(provider, "close", None)
        if callable(close):
            with contextlib.suppress(Exception):
                close()
