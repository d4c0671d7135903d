"""Leader election on a ``coordination.k8s.io/v1`` Lease — ours, because the client's keeps working.

The official client's elector runs the leader's work in a thread it never
stops: a replica that fails to renew says "stopped leading" and goes on
reconciling beside the new leader (ecosystem.md §1, reliability.md H1). This
one is built so that cannot happen:

- **Optimistic concurrency.** The Lease is read, then created, or replaced
  with the resourceVersion it was read at; two candidates racing for it get
  one 200 and one 409. A renewal replaces the Lease this replica last wrote.
- **Expiry by local observation.** Another holder's Lease counts as expired
  only when its record has not changed for ``lease_duration`` of *this*
  replica's monotonic clock, as client-go does: clocks of different machines
  never meet (only the rate at which they run matters).
- **A fence on every write.** ``guard`` (installed as ``Writer.guard``)
  refuses a write unless this replica leads *and* its last successful
  renewal was sent less than ``renew_deadline`` ago. The other candidates
  wait ``lease_duration`` (> ``renew_deadline``) after the last renewal they
  saw, so the old leader's writes end before the new leader's begin, even
  when the renewing thread hangs in a partitioned request.
- **Loss is final.** When the renew deadline passes (a watchdog notices it
  on time, whatever the renewing thread is doing) or a re-read shows another
  holder, ``on_stopped(reason)`` runs once and the elector does nothing
  more; the caller stops all work and exits, as controller-runtime does.
- **Release on a clean stop.** ``release`` (SIGTERM) first stops the fence
  from letting writes through, then empties ``holderIdentity``, so the
  standby takes over at its next retry instead of waiting out the lease.

Defaults are client-go's: 15 s lease, 10 s renew deadline, 2 s retry.
Clocks are injectable; tests scale the durations down (1.5 / 1.0 / 0.2 s).
"""

from __future__ import annotations

import logging
import math
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from rollout_engine.errors import Conflict, KubeError, NotFound, NotLeader
from rollout_engine.kube.kinds import kind
from rollout_engine.kube.objects import Objects

__all__ = ["LeaderElector", "LeaseSettings"]

log = logging.getLogger("rollout_engine.kube.lease")
LEASE = kind("Lease")
Obj = dict[str, Any]
_JITTER = 1.2  # NB: client-go's JitterFactor for the acquire loop


@dataclass(frozen=True)
class LeaseSettings:
    """Which Lease, who we are, and the timing (seconds).

    Attributes:
        namespace: where the Lease lives (the controller's own namespace).
        identity: this replica's holder identity (unique per process).
        name: the Lease's name, shared by all replicas.
        lease_duration: how long a standby waits after the last change it saw
            before taking the Lease over.
        renew_deadline: how long the leader keeps acting without a successful
            renewal; must be shorter than `lease_duration`.
        retry_period: between attempts to acquire or renew.
    """

    namespace: str
    identity: str
    name: str = "rollout-engine-controller"
    lease_duration: float = 15.0
    renew_deadline: float = 10.0
    retry_period: float = 2.0

    def __post_init__(self) -> None:
        if not self.identity:
            raise ValueError("the leader-election identity must not be empty")
        if not 0 < self.retry_period * _JITTER < self.renew_deadline < self.lease_duration:
            raise ValueError(
                "leader election needs lease duration > renew deadline > "
                f"{_JITTER} × retry period > 0 (got {self.lease_duration:g}s / "
                f"{self.renew_deadline:g}s / {self.retry_period:g}s)"
            )


def _micro_time(moment: datetime) -> str:
    """A Kubernetes MicroTime (RFC 3339 with microseconds)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class LeaderElector:
    """Acquires, renews and releases one Lease; ``guard`` fences writes by it."""

    def __init__(
        self,
        objects: Objects,
        settings: LeaseSettings,
        *,
        on_started: Callable[[], None],
        on_stopped: Callable[[str], None],
        now: Callable[[], float] = time.monotonic,
        wall: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.settings = settings
        self.is_leader = threading.Event()
        """Set while this replica leads (cleared for good on loss or release)."""
        self._objects, self._now, self._wall = objects, now, wall
        self._on_started, self._on_stopped = on_started, on_stopped
        self._lock = threading.Condition()
        self._held_until = -math.inf
        self._observed: Obj | None = None
        self._observed_version: str | None = None
        self._observed_at = -math.inf
        self._contact = -math.inf
        self._ended: str | None = None  # why leadership ended (lost or released)
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self.holder: str | None = None
        """The holder identity last read from the Lease (None: unknown)."""

    # -- the fence -----------------------------------------------------------------------

    def holds(self) -> bool:
        """This replica leads and its last renewal is younger than the renew deadline."""
        with self._lock:
            return self.is_leader.is_set() and self._now() < self._held_until

    def guard(self) -> None:
        """``Writer.guard``: refuse the write unless this replica holds the Lease right now.

        Raises:
            NotLeader: it does not (or no longer does).
        """
        if not self.holds():
            raise NotLeader(f"not the leader ({self.settings.identity}): write refused")

    # -- running -------------------------------------------------------------------------

    def start(self) -> None:
        """Campaign, then renew, in a daemon thread; a watchdog enforces the renew deadline."""
        self._threads = [
            threading.Thread(target=self._run, name="lease-elector", daemon=True),
            threading.Thread(target=self._watchdog, name="lease-watchdog", daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        """Stop campaigning and renewing (the Lease is left as it is; see ``release``)."""
        self._stopping.set()
        with self._lock:
            self._lock.notify_all()

    def release(self) -> bool:
        """Stop, fence, and hand the Lease back (clean shutdown); True when it was released."""
        self.stop()
        with self._lock:
            leading = self.is_leader.is_set() and self._ended is None
            self._end("released")
            observed = self._observed
        if not leading or observed is None:
            return False
        for _ in range(2):  # NB: a renewal in flight may have moved the resourceVersion
            try:
                self._objects.replace(LEASE, self._released(observed))
            except Conflict:
                observed = self._reread()
                if observed is None:
                    return False
                continue
            except KubeError as exc:
                log.warning("could not release the lease: %s", exc)
                return False
            log.info("lease released", extra={"lease": self.settings.name})
            return True
        return False

    def _released(self, lease: Obj) -> Obj:
        """client-go's release record: an empty holder, free for anyone at once."""
        now = _micro_time(self._wall())
        spec = dict(lease.get("spec") or {})
        spec.update(holderIdentity="", leaseDurationSeconds=1, renewTime=now, acquireTime=now)
        meta = {k: v for k, v in (lease.get("metadata") or {}).items() if k != "managedFields"}
        return {"apiVersion": LEASE.api_version, "kind": LEASE.kind, "metadata": meta, "spec": spec}

    def _reread(self) -> Obj | None:
        """The Lease as stored, if it is still ours to release."""
        try:
            lease = self._objects.get(
                LEASE, name=self.settings.name, namespace=self.settings.namespace
            )
        except KubeError:
            return None
        holder = (lease.get("spec") or {}).get("holderIdentity")
        return lease if holder == self.settings.identity else None

    def in_contact(self) -> bool:
        """The Lease was read or written successfully within the last lease duration."""
        with self._lock:
            return self._now() < self._contact + self.settings.lease_duration

    def ended(self) -> str | None:
        """Why leadership ended ("released" or the loss reason), None while it has not."""
        with self._lock:
            return self._ended

    def _run(self) -> None:
        retry = self.settings.retry_period
        while not self._stopping.is_set():
            if self.try_acquire_or_renew():
                break
            self._stopping.wait(retry * random.uniform(1.0, _JITTER))
        else:
            return
        log.info("became the leader", extra={"identity": self.settings.identity})
        self._on_started()
        while not self._stopping.wait(retry):
            if self.ended() is not None:
                return
            if not self.try_acquire_or_renew():
                self._after_failed_renewal()

    def _after_failed_renewal(self) -> None:
        if self.holder not in (None, "", self.settings.identity):
            self._lose(f"the lease is held by {self.holder}")
        elif self._now() >= self._deadline():
            self._lose("the renew deadline passed")

    def _watchdog(self) -> None:
        """Declares the loss at the renew deadline, even while a renewal hangs."""
        with self._lock:
            while not self._stopping.is_set() and self._ended is None:
                if self.is_leader.is_set() and self._now() >= self._held_until:
                    break
                left = self._held_until - self._now() if self.is_leader.is_set() else None
                self._lock.wait(None if left is None else max(left, 0.001))
            else:
                return
        self._lose("the renew deadline passed")

    def _deadline(self) -> float:
        with self._lock:
            return self._held_until

    def _lose(self, reason: str) -> None:
        with self._lock:
            if self._ended is not None:
                return
            self._end(reason)
        log.error("lost the lease: %s", reason, extra={"identity": self.settings.identity})
        self._on_stopped(reason)

    def _end(self, reason: str) -> None:
        """Fence at once (caller holds the lock)."""
        if self._ended is None:
            self._ended = reason
        self.is_leader.clear()
        self._held_until = -math.inf
        self._lock.notify_all()

    # -- one attempt ---------------------------------------------------------------------

    def try_acquire_or_renew(self) -> bool:
        """One attempt to take or keep the Lease; True when this replica holds it now."""
        if self.ended() is not None:
            return False
        sent = self._now()
        fast = self._renew_fast(sent)
        if fast is not None:
            return fast
        try:
            current = self._objects.get(
                LEASE, name=self.settings.name, namespace=self.settings.namespace
            )
        except NotFound:
            return self._create(sent)
        except KubeError as exc:
            log.info("lease read failed: %s", exc)
            return False
        self._observe(current)
        if not self._free(current):
            return False
        return self._write(current, sent)

    def _renew_fast(self, sent: float) -> bool | None:
        """The leader replaces what it last wrote, without a read; None: read first (409)."""
        if not self.is_leader.is_set() or self._observed is None:
            return None
        try:
            return self._took(self._objects.replace(LEASE, self._renewed(self._observed)), sent)
        except Conflict:
            return None
        except KubeError as exc:
            log.info("lease renewal failed: %s", exc)
            return False

    def _write(self, current: Obj, sent: float) -> bool:
        try:
            return self._took(self._objects.replace(LEASE, self._renewed(current)), sent)
        except KubeError as exc:
            log.info("lease update failed: %s", exc)
            return False

    def _create(self, sent: float) -> bool:
        now = _micro_time(self._wall())
        body = {
            "apiVersion": LEASE.api_version,
            "kind": LEASE.kind,
            "metadata": {"name": self.settings.name, "namespace": self.settings.namespace},
            "spec": {
                "holderIdentity": self.settings.identity,
                "leaseDurationSeconds": math.ceil(self.settings.lease_duration),
                "acquireTime": now,
                "renewTime": now,
                "leaseTransitions": 0,
            },
        }
        try:
            return self._took(self._objects.create(LEASE, body), sent)
        except KubeError as exc:
            log.info("lease creation failed: %s", exc)
            return False

    def _free(self, lease: Obj) -> bool:
        """Ours, released, or not renewed for a lease duration as observed here."""
        holder = (lease.get("spec") or {}).get("holderIdentity") or ""
        if holder in ("", self.settings.identity):
            return True
        with self._lock:
            return self._now() >= self._observed_at + self.settings.lease_duration

    def _renewed(self, lease: Obj) -> Obj:
        spec = dict(lease.get("spec") or {})
        now = _micro_time(self._wall())
        if spec.get("holderIdentity") != self.settings.identity:
            spec["acquireTime"] = now
            spec["leaseTransitions"] = int(spec.get("leaseTransitions") or 0) + 1
        spec.update(
            holderIdentity=self.settings.identity,
            leaseDurationSeconds=math.ceil(self.settings.lease_duration),
            renewTime=now,
        )
        meta = {k: v for k, v in (lease.get("metadata") or {}).items() if k != "managedFields"}
        return {"apiVersion": LEASE.api_version, "kind": LEASE.kind, "metadata": meta, "spec": spec}

    def _observe(self, lease: Obj) -> None:
        """Remember `lease`; its observation time moves only when it changed."""
        version = (lease.get("metadata") or {}).get("resourceVersion")
        with self._lock:
            self.holder = (lease.get("spec") or {}).get("holderIdentity") or ""
            self._contact = self._now()
            if version != self._observed_version:
                self._observed_version = version
                self._observed_at = self._now()
            self._observed = lease

    def _took(self, lease: Obj, sent: float) -> bool:
        """A write of ours succeeded: lead until `sent` + renew deadline."""
        self._observe(lease)
        with self._lock:
            if self._ended is not None:
                return False
            self._held_until = sent + self.settings.renew_deadline
            self.is_leader.set()
            self._lock.notify_all()
        return True
