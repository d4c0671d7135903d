"""Kubernetes Events: created once, repeats counted, never failing a reconcile; via the Writer."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from rollout_engine.controller.events import EventRecorder
from rollout_engine.controller.writes import Writer, WriteRecord
from rollout_engine.errors import Forbidden
from rollout_engine.kube import Objects, kind
from tests.fakes.clock import FakeClock

ROLLOUT = {
    "apiVersion": "rollout-engine.io/v1alpha1",
    "kind": "Rollout",
    "metadata": {"name": "web", "namespace": "shop", "uid": "u-1"},
}


@pytest.fixture
def objects(apiserver: Any) -> Objects:
    objects = Objects(apiserver.api_client("controller"))
    objects.create(kind("Namespace"), {"metadata": {"name": "shop"}})
    return objects


def _events(apiserver: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = apiserver.store.list("v1", "Event", namespace="shop")
    return found


def test_a_repeat_is_counted_on_the_same_event(apiserver: Any, objects: Objects) -> None:
    written: list[WriteRecord] = []
    recorder = EventRecorder(
        Writer(objects, after=written.append), clock=FakeClock(datetime(2024, 5, 1, tzinfo=UTC))
    )
    for _ in range(3):
        recorder.emit(ROLLOUT, type="Warning", reason="ReferenceNotFound", message="gone")
    recorder.emit(ROLLOUT, type="Normal", reason="RolloutPromoted", message="promoted")
    events = sorted(_events(apiserver), key=lambda e: e["reason"])
    assert [(e["reason"], e["count"], e["type"]) for e in events] == [
        ("ReferenceNotFound", 3, "Warning"),
        ("RolloutPromoted", 1, "Normal"),
    ]
    assert events[0]["involvedObject"] == {
        "apiVersion": "rollout-engine.io/v1alpha1",
        "kind": "Rollout",
        "name": "web",
        "namespace": "shop",
        "uid": "u-1",
    }
    assert events[0]["source"] == {"component": "rollout-engine"}
    assert events[0]["firstTimestamp"] == "2024-05-01T00:00:00Z"
    assert [(w.verb, w.kind) for w in written] == [
        ("create", "Event"),
        ("patch", "Event"),
        ("patch", "Event"),
        ("create", "Event"),
    ]


def test_an_expired_event_is_created_again(apiserver: Any, objects: Objects) -> None:
    recorder = EventRecorder(Writer(objects), clock=FakeClock(datetime(2024, 5, 1, tzinfo=UTC)))
    recorder.emit(ROLLOUT, type="Normal", reason="RolloutStarted", message="started")
    (event,) = _events(apiserver)
    apiserver.store.delete("v1", "Event", name=event["metadata"]["name"], namespace="shop")
    recorder.emit(ROLLOUT, type="Normal", reason="RolloutStarted", message="started")
    assert [e["count"] for e in _events(apiserver)] == [1]


def test_a_refused_event_never_fails_the_caller(apiserver: Any, objects: Objects) -> None:
    def no(request: Any) -> bool:
        return bool(request.resource != "events")

    apiserver.authorize(no)
    recorder = EventRecorder(Writer(objects), clock=FakeClock(datetime(2024, 5, 1, tzinfo=UTC)))
    recorder.emit(ROLLOUT, type="Normal", reason="RolloutStarted", message="started")
    assert _events(apiserver) == []


def test_the_guard_sees_every_write_first(apiserver: Any, objects: Objects) -> None:
    asked: list[str] = []

    def refuse() -> None:
        asked.append("write")
        raise Forbidden("not the leader")

    clock = FakeClock(datetime(2024, 5, 1, tzinfo=UTC))
    recorder = EventRecorder(Writer(objects, guard=refuse), clock=clock)
    recorder.emit(ROLLOUT, type="Normal", reason="RolloutStarted", message="started")
    assert asked == ["write"]
    assert _events(apiserver) == []
    assert apiserver.journal.writes(resource="events") == []
