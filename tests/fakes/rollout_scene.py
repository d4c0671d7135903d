"""Rollouts in realistic states on the fake API server, for the kubectl plugin's tests and README.

Nothing here is written by hand that the engine would write itself: each
Rollout's status comes from the real engine (`strategies.advance`, driven by
`tests.fakes.rollout_world.World`), and each AnalysisRun's status from the
real analysis module (`analysis.run` measuring a template from `examples/`,
with Prometheus answers scripted). A `Played` rollout then stands in for the
controller: it reads the status back from the fake (with any intent the
plugin wrote), reconciles, and writes the new status, so the plugin's intents
are consumed by the same code the controller will run.

The three scenes:

- ``storefront/web`` (examples/canary-nginx.yaml): at step 3, its
  success-rate analysis measuring (Progressing);
- ``shop/checkout`` (examples/bluegreen.yaml): the pre-promotion smoke test
  Failed, so the rollout aborted (Degraded);
- ``shop/search`` (examples/abtest-header.yaml): settled (Healthy).
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from analysis.args import resolve_args
from analysis.measure import measure
from analysis.providers.base import Sample, Vector
from analysis.run import due, record, start
from analysis.spec import compile_run
from rollout_engine.api import AnalysisTemplate, Rollout
from rollout_engine.api.analysisrun import AnalysisRunStatus
from rollout_engine.api.base import dump
from rollout_engine.api.status import RolloutStatus
from rollout_engine.api.template import Argument
from tests.fakes.apiserver import FakeApiServer
from tests.fakes.metrics import ScriptedProvider
from tests.fakes.rollout_world import World
from tests.paths import CRDS, EXAMPLES

__all__ = [
    "CANDIDATE_IMAGE",
    "CANDIDATE_REVISION",
    "STABLE_IMAGE",
    "STABLE_REVISION",
    "Played",
    "Scene",
]

GROUP = "rollout-engine.io/v1alpha1"
STABLE_REVISION = "5b8c9d7e1"
CANDIDATE_REVISION = "7d9f5c6b8"
STABLE_IMAGE = "ghcr.io/example/web:1.4.0"
CANDIDATE_IMAGE = "ghcr.io/example/web:1.5.0"


@functools.cache
def _crd_docs() -> list[dict[str, Any]]:
    """Our CRDs, parsed once per test process (they are large: YAML parsing dominates)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    docs: list[dict[str, Any]] = []
    for path in sorted(Path(CRDS).glob("*.yaml")):
        if path.name != "kustomization.yaml":
            docs += [d for d in yaml.load_all(path.read_text(), Loader=loader) if d]
    return docs


def example(file: str, kind: str) -> dict[str, Any]:
    """The first document of `kind` in examples/`file`."""
    docs = yaml.safe_load_all((EXAMPLES / file).read_text())
    return next(d for d in docs if d and d.get("kind") == kind)


def _stamp(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


def measured_run(
    template: dict[str, Any],
    *,
    args: dict[str, str],
    values: Sequence[float],
    started_at: datetime,
) -> tuple[dict[str, Any], AnalysisRunStatus]:
    """An AnalysisRun's spec and the status the analysis module gives after `values`.

    Each value is Prometheus' answer (a one-series vector) at one due time.
    """
    parsed = AnalysisTemplate.model_validate(template)
    supplied = [Argument(name=k, value=v) for k, v in args.items()]
    run = compile_run(parsed.spec, args=resolve_args(parsed.spec.args, supplied))
    answers = iter(values)
    provider = ScriptedProvider(lambda at: Vector((Sample({}, next(answers)),)))
    status = start(run, now=started_at)
    clock, taken = started_at, 0
    while status.phase == "Running" and taken < len(values):
        for name in due(run, status, now=clock).due:
            result = measure(run.metric(name), provider, now=clock, started_at=started_at)
            status = record(run, status, metric=name, measured=result, now=clock)
            taken += 1
        following = due(run, status, now=clock).next_at
        if following is None:
            break
        clock = following
    spec = {"metrics": template["spec"]["metrics"], "args": [dump(a) for a in supplied]}
    return spec, status


@dataclass
class Played:
    """One Rollout whose controller is the real engine, stepped by the test."""

    scene: Scene
    world: World
    name: str
    namespace: str

    def stored(self) -> dict[str, Any]:
        found = self.scene.server.store.get(
            GROUP, "Rollout", name=self.name, namespace=self.namespace
        )
        assert found is not None
        return found

    def reconcile(self, *, after: timedelta = timedelta(0), settle: bool = False) -> RolloutStatus:
        """Read status back (with the plugin's intent), advance, write the new status."""
        self.world.status = RolloutStatus.model_validate(self.stored().get("status") or {})
        if settle:
            self.world.now += after
            self.world.settle()
        else:
            self.world.reconcile(after=after)
        return self.write()

    def write(self) -> RolloutStatus:
        """Store the world's status as the controller's status write would."""
        status = self.world.status
        assert status is not None
        self.scene.server.store.set_status(
            GROUP, "Rollout", name=self.name, namespace=self.namespace, status=dump(status)
        )
        return status


@dataclass
class Scene:
    """The fake API server with the CRDs, and builders of rollouts in known states."""

    server: FakeApiServer
    now: datetime
    played: dict[str, Played] = field(default_factory=dict)

    def install(self) -> Scene:
        self.server.install_crds(copy.deepcopy(_crd_docs()))
        for namespace in ("storefront", "shop"):
            self.server.store.put(
                {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}}
            )
        return self

    # -- objects ---------------------------------------------------------------------------
    def deployment(
        self, *, name: str, namespace: str, image: str, replicas: int, ready: int | None = None
    ) -> None:
        labels = {"app": name}
        ready = replicas if ready is None else ready
        self.server.store.put(
            {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "metadata": {
                    "name": name,
                    "namespace": namespace,
                    "creationTimestamp": _stamp(self.now - timedelta(days=12)),
                },
                "spec": {
                    "replicas": replicas,
                    "selector": {"matchLabels": labels},
                    "template": {
                        "metadata": {"labels": labels},
                        "spec": {
                            "containers": [{"name": name.removesuffix("-primary"), "image": image}]
                        },
                    },
                },
                "status": {
                    "observedGeneration": 1,
                    "replicas": replicas,
                    "updatedReplicas": replicas,
                    "readyReplicas": ready,
                    "availableReplicas": ready,
                },
            }
        )

    def rollout(
        self, body: dict[str, Any], *, status: RolloutStatus | None, age: timedelta
    ) -> None:
        stored = {
            **body,
            "metadata": {**body["metadata"], "creationTimestamp": _stamp(self.now - age)},
        }
        if status is not None:
            stored["status"] = dump(status)
        self.server.store.put(stored)

    def analysis_run(
        self, *, name: str, namespace: str, spec: dict[str, Any], status: AnalysisRunStatus
    ) -> None:
        self.server.store.put(
            {
                "apiVersion": GROUP,
                "kind": "AnalysisRun",
                "metadata": {"name": name, "namespace": namespace},
                "spec": spec,
                "status": dump(status),
            }
        )

    def play(self, body: dict[str, Any], *, start: datetime, replicas: int, **world: Any) -> Played:
        rollout = Rollout.model_validate(body)
        options = {
            "stable_revision": STABLE_REVISION,
            "candidate_revision": CANDIDATE_REVISION,
            **world,
        }
        played = World(rollout, replicas=replicas, now=start, **options)
        meta = rollout.metadata
        entry = Played(self, played, meta.name, meta.namespace or "default")
        self.played[f"{entry.namespace}/{entry.name}"] = entry
        return entry

    # -- the scenes ------------------------------------------------------------------------
    def canary_at_analysis(self, *, values: Sequence[float] = (0.991, 0.987, 0.982)) -> Played:
        """storefront/web at step 3 (analysis success-rate), `values` measured so far."""
        body = example("canary-nginx.yaml", "Rollout")
        start_at = self.now - timedelta(minutes=4 + len(values))
        played = self.play(body, start=start_at, replicas=3)
        world = played.world
        world.settle()  # step 0 (header route) done; step 1 waits for a person
        world.now += timedelta(minutes=3)
        world.intent("promote", step=1, requestedBy="alice")
        world.settle()  # step 2 (20%) done; step 3's analysis runs
        assert world.step == 3, world.status
        run_name = (
            world.status.canary.current_step_analysis_run
            if world.status and world.status.canary
            else None
        )
        assert run_name is not None
        spec, run = measured_run(
            example("templates/success-rate.yaml", "AnalysisTemplate"),
            args={"ingress": "web"},
            values=values,
            started_at=world.now,
        )
        self.deployment(name="web", namespace="storefront", image=CANDIDATE_IMAGE, replicas=3)
        self.deployment(name="web-primary", namespace="storefront", image=STABLE_IMAGE, replicas=3)
        self.rollout(body, status=world.status, age=timedelta(days=12))
        self.analysis_run(name=run_name, namespace="storefront", spec=spec, status=run)
        return played

    def blue_green_failed(self) -> Played:
        """shop/checkout: the pre-promotion smoke test Failed, so the rollout aborted."""
        body = example("bluegreen.yaml", "Rollout")
        played = self.play(
            body,
            start=self.now - timedelta(minutes=6),
            replicas=2,
            stable_revision="6c4f8b2d1",
            candidate_revision="9a7e3c5f0",
        )
        world = played.world
        world.settle()  # preview up; the pre-promotion analysis runs
        pre = (
            world.status.blue_green.pre_promotion_analysis_run
            if world.status and world.status.blue_green
            else None
        )
        assert pre is not None
        spec, run = measured_run(
            example("bluegreen.yaml", "AnalysisTemplate"),
            args={"service": "checkout-preview"},
            values=(0.004, 0.071),
            started_at=world.now,
        )
        assert run.phase == "Failed", run
        world.now += timedelta(minutes=2)
        world.verdict(pre, "Failed", run.message or "")
        world.settle()
        self.deployment(
            name="checkout", namespace="shop", image="ghcr.io/example/checkout:2.1.0", replicas=2
        )
        self.deployment(
            name="checkout-primary",
            namespace="shop",
            image="ghcr.io/example/checkout:2.0.1",
            replicas=2,
        )
        self.rollout(body, status=world.status, age=timedelta(days=30))
        self.analysis_run(name=pre, namespace="shop", spec=spec, status=run)
        return played

    def ab_test_healthy(self) -> Played:
        """shop/search: nothing in flight; the stable serves everyone."""
        body = example("abtest-header.yaml", "Rollout")
        played = self.play(
            body,
            start=self.now - timedelta(hours=2),
            replicas=2,
            stable_revision=None,
            candidate_revision="84d2b9e7c",
        )
        played.world.settle()
        self.deployment(
            name="search", namespace="shop", image="ghcr.io/example/search:3.2.0", replicas=2
        )
        self.deployment(
            name="search-primary",
            namespace="shop",
            image="ghcr.io/example/search:3.2.0",
            replicas=2,
        )
        self.rollout(body, status=played.world.status, age=timedelta(days=41))
        return played
