"""The informer-style caches: newest wins, deletions stick, a 409 sends the next read to the API."""

from __future__ import annotations

from typing import Any

from rollout_engine.controller.cache import Caches


def _obj(name: str, rv: int, *, uid: str = "u1", **labels: str) -> dict[str, Any]:
    return {
        "metadata": {
            "name": name,
            "namespace": "shop",
            "uid": uid,
            "resourceVersion": str(rv),
            "labels": labels,
            "managedFields": [{"manager": "x"}],
        },
        "spec": {"n": rv},
    }


def _caches(*, synced: bool = True, complete: bool = True) -> Caches:
    caches = Caches()
    caches.track("Rollout", synced=lambda: synced, complete=complete)
    return caches


def test_reads_wait_for_the_first_list() -> None:
    caches = _caches(synced=False)
    caches.observe("Rollout", "ADDED", _obj("web", 5))
    assert caches.lookup("Rollout", "shop", "web") == (False, None)


def test_the_newest_version_wins_whatever_the_order_of_arrival() -> None:
    caches = _caches()
    caches.wrote("Rollout", _obj("web", 7))  # our write's answer, before its watch echo
    caches.observe("Rollout", "MODIFIED", _obj("web", 6))
    answered, found = caches.lookup("Rollout", "shop", "web")
    assert answered and found is not None
    assert found["spec"] == {"n": 7}
    assert "managedFields" not in found["metadata"]
    found["spec"]["n"] = 99  # a copy: the cache is not changed through it
    assert caches.lookup("Rollout", "shop", "web")[1]["spec"] == {"n": 7}  # type: ignore[index]


def test_a_deleted_object_never_comes_back_from_a_late_answer() -> None:
    caches = _caches()
    caches.observe("Rollout", "ADDED", _obj("web", 5))
    caches.observe("Rollout", "DELETED", _obj("web", 5))
    caches.wrote("Rollout", _obj("web", 6))  # the answer to the write that removed the finalizer
    assert caches.lookup("Rollout", "shop", "web") == (True, None)
    caches.observe("Rollout", "ADDED", _obj("web", 9, uid="u2"))  # re-created: a new uid
    assert caches.lookup("Rollout", "shop", "web")[1]["metadata"]["uid"] == "u2"  # type: ignore[index]


def test_a_conflict_sends_the_next_read_to_the_api_until_a_newer_copy_arrives() -> None:
    caches = _caches()
    caches.observe("Rollout", "ADDED", _obj("web", 5))
    caches.conflicted("Rollout", "shop", "web")
    assert caches.lookup("Rollout", "shop", "web") == (False, None)
    caches.refreshed("Rollout", _obj("web", 8))
    assert caches.lookup("Rollout", "shop", "web")[1]["spec"] == {"n": 8}  # type: ignore[index]


def test_a_miss_is_a_404_only_for_a_complete_kind() -> None:
    assert _caches().lookup("Rollout", "shop", "nope") == (True, None)
    assert _caches(complete=False).lookup("Rollout", "shop", "nope") == (False, None)


def test_select_by_labels_in_a_namespace() -> None:
    caches = _caches()
    caches.observe("Rollout", "ADDED", _obj("a", 1, uid="a", team="x"))
    caches.observe("Rollout", "ADDED", _obj("b", 2, uid="b", team="y"))
    found = caches.select("Rollout", "shop", {"team": "x"})
    assert [o["metadata"]["name"] for o in found or []] == ["a"]
    assert caches.select("Rollout", "other", {}) == []
    assert _caches(complete=False).select("Rollout", "shop", {}) is None
