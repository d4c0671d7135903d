"""Read what ``get`` and ``list`` show, in two round trips.

``get``: the Rollout (one GET), then together its two Deployments and the
AnalysisRuns its status names (concurrent GETs). ``list``: the Rollouts (one
LIST), then together the Deployments they reference. A related object that
cannot be read (deleted, or your RBAC does not allow it) is shown as such;
only the Rollout itself is required.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from rollout_engine.api.rollout import Rollout
from rollout_engine.api.status import RolloutStatus
from rollout_engine.cli.plugin.session import Session
from rollout_engine.errors import KubeError, NotFound, SpecError
from rollout_engine.kube import kind
from rollout_engine.kube.batch import Ref, concurrently, get_all

__all__ = [
    "Listed",
    "Listing",
    "Read",
    "Snapshot",
    "list_rollouts",
    "read_rollout",
    "run_names",
    "snapshot",
    "stable_deployment",
]

ROLLOUT = kind("Rollout")
DEPLOYMENT = kind("Deployment")
ANALYSIS_RUN = kind("AnalysisRun")

Answer = dict[str, Any] | KubeError


@dataclass(frozen=True)
class Read:
    """A Rollout as stored (for its resourceVersion) and as the engine's model."""

    raw: dict[str, Any]
    rollout: Rollout

    @property
    def status(self) -> RolloutStatus:
        """The status, empty before the controller's first write."""
        return self.rollout.status or RolloutStatus()

    @property
    def resource_version(self) -> str:
        """The version an optimistic write is guarded by."""
        return str(self.raw.get("metadata", {}).get("resourceVersion", ""))


@dataclass(frozen=True)
class Snapshot:
    """Everything ``get`` shows about one Rollout."""

    read: Read
    workload: Answer
    stable: Answer
    runs: Mapping[str, Answer]


@dataclass(frozen=True)
class Listed:
    """One row's worth of ``list``: the Rollout and its workload (the candidate)."""

    read: Read
    workload: Answer


def stable_deployment(rollout: Rollout) -> str:
    """The stable's Deployment, ``<name>-primary`` (architecture.md, "stable")."""
    return f"{rollout.metadata.name}-primary"


def parse(raw: dict[str, Any]) -> Read:
    """The engine's model of a stored Rollout.

    Raises:
        SpecError: the object does not match this plugin's models (a newer
            controller, or a hand-edited status).
    """
    meta = raw.get("metadata", {})
    try:
        rollout = Rollout.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise SpecError(
            f"rollout {meta.get('namespace')}/{meta.get('name')} cannot be read by this "
            f"version of the plugin: {first['msg']}",
            path=where,
        ) from None
    return Read(raw=raw, rollout=rollout)


def read_rollout(session: Session, name: str) -> Read:
    """One GET of the Rollout; NotFound names the namespace searched."""
    try:
        raw = session.objects.get(ROLLOUT, name=name, namespace=session.namespace)
    except NotFound:
        raise NotFound(
            f'rollout "{name}" not found in namespace "{session.namespace}"', status=404
        ) from None
    return parse(raw)


def run_names(status: RolloutStatus) -> list[tuple[str, str]]:
    """(role, name) of the runs the status names, current ones first, without repeats."""
    named: list[tuple[str, str | None]] = []
    if status.canary is not None:
        named += [
            ("step", status.canary.current_step_analysis_run),
            ("background", status.canary.current_background_analysis_run),
        ]
    if status.blue_green is not None:
        named += [
            ("prePromotion", status.blue_green.pre_promotion_analysis_run),
            ("postPromotion", status.blue_green.post_promotion_analysis_run),
        ]
    if status.ab_test is not None:
        named.append(("abTest", status.ab_test.analysis_run))
    if status.last_verdict is not None:
        named.append(("lastVerdict", status.last_verdict.run))
    seen: set[str] = set()
    out: list[tuple[str, str]] = []
    for role, name in named:
        if name and name not in seen:
            seen.add(name)
            out.append((role, name))
    return out


def snapshot(session: Session, name: str) -> Snapshot:
    """The Rollout, then its Deployments and runs concurrently: two round trips."""
    read = read_rollout(session, name)
    rollout, namespace = read.rollout, session.namespace
    runs = run_names(read.status)
    refs = [
        Ref(DEPLOYMENT, rollout.spec.workload_ref.name, namespace),
        Ref(DEPLOYMENT, stable_deployment(rollout), namespace),
        *(Ref(ANALYSIS_RUN, run, namespace) for _, run in runs),
    ]
    workload, stable, *answers = get_all(session.objects, refs)
    return Snapshot(
        read=read,
        workload=workload,
        stable=stable,
        runs={run: answer for (_, run), answer in zip(runs, answers, strict=True)},
    )


@dataclass(frozen=True)
class Listing:
    """The rows of ``list``, and the Rollouts that could not be read (with why)."""

    rows: list[Listed]
    unreadable: list[SpecError]


def list_rollouts(session: Session, *, all_namespaces: bool) -> Listing:
    """Every Rollout with its workload.

    In one namespace: the Rollouts and the namespace's Deployments in one
    concurrent round trip. Across namespaces (``-A``): the Rollouts, then
    only the Deployments they reference (listing every Deployment of a
    cluster would cost more than it saves).
    """
    if all_namespaces:
        items, _ = session.objects.list_items(ROLLOUT)
        reads, unreadable = _parse_all(items)
        refs = [Ref(DEPLOYMENT, _workload(r), r.rollout.metadata.namespace) for r in reads]
        workloads = get_all(session.objects, refs)
    else:
        namespace = session.namespace
        rollouts, deployments = concurrently(
            [
                lambda: session.objects.list_items(ROLLOUT, namespace=namespace)[0],
                lambda: session.objects.list_items(DEPLOYMENT, namespace=namespace)[0],
            ]
        )
        if isinstance(rollouts, KubeError):
            raise rollouts
        reads, unreadable = _parse_all(rollouts)
        workloads = [_pick(deployments, _workload(r)) for r in reads]
    rows = [Listed(r, w) for r, w in zip(reads, workloads, strict=True)]
    rows.sort(key=lambda x: (x.read.rollout.metadata.namespace or "", x.read.rollout.metadata.name))
    return Listing(rows=rows, unreadable=unreadable)


def _workload(read: Read) -> str:
    return read.rollout.spec.workload_ref.name


def _parse_all(items: list[dict[str, Any]]) -> tuple[list[Read], list[SpecError]]:
    reads, unreadable = [], []
    for item in items:
        try:
            reads.append(parse(item))
        except SpecError as exc:
            unreadable.append(exc)
    return reads, unreadable


def _pick(deployments: list[dict[str, Any]] | KubeError, name: str) -> Answer:
    if isinstance(deployments, KubeError):
        return deployments
    found = next((d for d in deployments if d.get("metadata", {}).get("name") == name), None)
    if found is None:
        return NotFound(f'deployments.apps "{name}" not found', status=404)
    return found
