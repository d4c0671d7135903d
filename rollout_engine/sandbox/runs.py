"""The sandbox's AnalysisRuns: kept in memory, advanced exactly as the controller advances its own.

For each reconcile the strategy engine names the runs that should exist
(``DesiredState.analyses``) and those to stop (``DesiredState.terminate``).
:meth:`LocalRuns.sync` does what the controller's ``run_analyses`` step does,
with the same shared functions: build a run's spec from its templates
(``rollout_engine.engine.run_spec``), then one pass per run
(``rollout_engine.engine.step_run``: start, measure what is due at ``now``,
record; or terminate). The provider is the Prometheus client of
``analysis.providers``, pointed at the sandbox's Prometheus for every metric
whose template names no address. The next reconcile reads the verdicts back
through :meth:`LocalRuns.states`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

from analysis.args import ArgSources, resolve_args
from analysis.providers.registry import build_provider
from analysis.spec import CompiledRun, compile_run
from rollout_engine.api.analysisrun import AnalysisRunSpec, AnalysisRunStatus
from rollout_engine.api.meta import SecretKeySelector
from rollout_engine.api.rollout import Rollout
from rollout_engine.engine import ProviderFor, provider_for, run_spec, run_state, step_run
from rollout_engine.errors import SpecError
from rollout_engine.sandbox.manifests import Manifests
from strategies import DesiredState, RunState

__all__ = ["STOPPED", "LocalRun", "LocalRuns"]

STOPPED = "the rollout no longer needs it"
"""The reason a run is terminated with (the controller's words)."""


@dataclass
class LocalRun:
    """One AnalysisRun: what it measures, its status, and when it is due next."""

    name: str
    kind: str
    spec: AnalysisRunSpec
    candidate: str
    status: AnalysisRunStatus | None = None
    next_at: datetime | None = None


def _no_secrets(selector: SecretKeySelector) -> str:
    raise SpecError(f"the sandbox has no Secrets (a template reads Secret {selector.name!r})")


class LocalRuns:
    """Every run of one Rollout in this sandbox, by name."""

    def __init__(
        self,
        manifests: Manifests,
        *,
        prometheus_url: str,
        clock: Callable[[], datetime],
        providers: ProviderFor | None = None,
    ) -> None:
        self._manifests = manifests
        self._clock = clock
        self._providers = providers or provider_for(
            build_provider, secrets=_no_secrets, default_address=prometheus_url
        )
        self._runs: dict[str, LocalRun] = {}
        self._sources: ArgSources | None = None
        self._compiled: dict[str, CompiledRun] = {}

    def __iter__(self) -> Iterator[LocalRun]:
        return iter(list(self._runs.values()))

    def get(self, name: str) -> LocalRun | None:
        return self._runs.get(name)

    def states(self) -> dict[str, RunState]:
        """What the strategy engine is told: each run's phase and message."""
        out = {}
        for name, run in self._runs.items():
            status = run.status or AnalysisRunStatus()
            out[name] = run_state(status.phase, status.message)
        return out

    def sync(self, desired: DesiredState, *, rollout: Rollout, stable: str, candidate: str) -> None:
        """Create the runs `desired` asks for, measure what is due, stop the others."""
        for request in desired.analyses:
            if request.name not in self._runs:
                spec = run_spec(
                    request,
                    templates=self._manifests.templates,
                    rollout=rollout,
                    stable=stable,
                    candidate=candidate,
                )
                self._runs[request.name] = LocalRun(request.name, request.kind, spec, candidate)
        wanted = {a.name for a in desired.analyses}
        sources = self._sources = _sources(rollout, stable=stable, candidate=candidate)
        for run in self:
            stop = STOPPED if run.name in desired.terminate else None
            if run.name not in wanted and stop is None:
                continue
            step = step_run(
                run.spec,
                run.status,
                sources=sources,
                providers=self._providers,
                clock=self._clock,
                stop=stop,
            )
            run.status, run.next_at = step.status, step.next_at

    def compiled(self, run: LocalRun) -> CompiledRun | None:
        """`run` compiled as its last pass compiled it (for the views); None if it cannot be."""
        if run.name not in self._compiled and self._sources is not None:
            try:
                args = resolve_args(run.spec.args, (), sources=self._sources)
                self._compiled[run.name] = compile_run(run.spec, args=args)
            except SpecError:
                return None
        return self._compiled.get(run.name)

    def next_at(self) -> datetime | None:
        """The earliest time a run wants to measure again."""
        return min((r.next_at for r in self._runs.values() if r.next_at), default=None)


def _sources(rollout: Rollout, *, stable: str, candidate: str) -> ArgSources:
    """What ``valueFrom`` resolves with: the Rollout's fields and the two revisions."""
    meta = rollout.metadata
    return ArgSources(
        secret=_no_secrets,
        fields={
            "metadata.name": meta.name,
            "metadata.namespace": meta.namespace or "default",
            "metadata.uid": f"sandbox-{meta.name}",
        },
        pod_template_hashes={"Stable": stable, "Latest": candidate},
    )
