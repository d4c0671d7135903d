"""The watch loop against the fake API server: list then watch, resume, 410 → relist, stalls."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from rollout_engine.kube import Objects, Watcher, WatchSettings, kind

DEPLOYMENT = kind("Deployment")


class Seen:
    """Events and restarts a watcher reported, waitable."""

    def __init__(self) -> None:
        self.events: list[tuple[str, str]] = []
        self.restarts: list[str] = []
        self._cond = threading.Condition()

    def event(self, kind_: str, obj: dict[str, Any]) -> None:
        with self._cond:
            self.events.append((kind_, obj["metadata"]["name"]))
            self._cond.notify_all()

    def restart(self, reason: str) -> None:
        with self._cond:
            self.restarts.append(reason)
            self._cond.notify_all()

    def wait(self, predicate: Any, timeout: float = 10.0) -> None:
        with self._cond:
            assert self._cond.wait_for(predicate, timeout), (self.events, self.restarts)


def _deployment(name: str) -> dict[str, Any]:
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": "shop"},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "c", "image": "i"}]},
            },
        },
    }


@pytest.fixture
def user(apiserver: Any) -> Objects:
    objects = Objects(apiserver.api_client("user"))
    objects.create(kind("Namespace"), {"metadata": {"name": "shop"}})
    return objects


@pytest.fixture
def seen(apiserver: Any) -> Iterator[tuple[Seen, Watcher]]:
    record = Seen()
    watcher = Watcher(
        apiserver.api_client("controller"),
        DEPLOYMENT,
        namespace="shop",
        on_event=record.event,
        on_restart=record.restart,
        settings=WatchSettings(inactivity_timeout=2.5, server_timeout=30, max_backoff=1),
    )
    watcher.start()
    yield record, watcher
    watcher.stop()


def test_lists_then_streams_changes(user: Objects, seen: tuple[Seen, Watcher]) -> None:
    record, watcher = seen
    assert watcher.synced.wait(5)
    user.create(DEPLOYMENT, _deployment("a"))
    user.patch(DEPLOYMENT, name="a", namespace="shop", patch={"spec": {"replicas": 2}})
    user.delete(DEPLOYMENT, name="a", namespace="shop")
    record.wait(lambda: ("DELETED", "a") in record.events)
    assert record.events == [("ADDED", "a"), ("MODIFIED", "a"), ("DELETED", "a")]


def test_an_expired_watch_relists(
    apiserver: Any, user: Objects, seen: tuple[Seen, Watcher]
) -> None:
    record, watcher = seen
    assert watcher.synced.wait(5)
    apiserver.faults.expire_next_watch(resource="deployments")
    apiserver.faults.cut_watches(resource="deployments")
    record.wait(lambda: "expired" in record.restarts)
    user.create(DEPLOYMENT, _deployment("after"))
    record.wait(lambda: ("ADDED", "after") in record.events)


def test_a_relist_reports_what_was_deleted_while_away(
    apiserver: Any, user: Objects, seen: tuple[Seen, Watcher]
) -> None:
    record, _ = seen
    user.create(DEPLOYMENT, _deployment("gone"))
    record.wait(lambda: ("ADDED", "gone") in record.events)
    apiserver.faults.stall_watches(resource="deployments")
    user.delete(DEPLOYMENT, name="gone", namespace="shop")
    apiserver.store.compact()  # NB: the version the watcher resumes from is now too old
    apiserver.faults.resume_watches()
    apiserver.faults.cut_watches(resource="deployments", abrupt=True)
    record.wait(lambda: ("DELETED", "gone") in record.events)


def test_a_silent_stream_is_detected_and_reconnected(
    apiserver: Any, user: Objects, seen: tuple[Seen, Watcher]
) -> None:
    record, watcher = seen
    assert watcher.synced.wait(5)
    apiserver.faults.stall_watches(resource="deployments")
    started = time.monotonic()
    record.wait(lambda: "stalled" in record.restarts, timeout=10)
    assert time.monotonic() - started < 6, "detected within the inactivity timeout (+ margin)"
    user.create(DEPLOYMENT, _deployment("late"))
    apiserver.faults.resume_watches()
    record.wait(lambda: ("ADDED", "late") in record.events, timeout=10)


def test_a_silent_stream_is_relisted_so_what_it_dropped_still_arrives(
    apiserver: Any, user: Objects, seen: tuple[Seen, Watcher]
) -> None:
    record, watcher = seen
    assert watcher.synced.wait(5)
    apiserver.faults.stall_watches(resource="deployments")
    user.create(DEPLOYMENT, _deployment("unannounced"))  # NB: its event is never streamed
    record.wait(lambda: ("ADDED", "unannounced") in record.events, timeout=10)
    assert "stalled" in record.restarts
    apiserver.faults.resume_watches()
