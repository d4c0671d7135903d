"""Concurrent reads (kube.batch) and the kubeconfig identity (kube.identity)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
import yaml

from rollout_engine.errors import KubeError, NotFound
from rollout_engine.kube import Objects, connect, kind
from rollout_engine.kube.batch import Ref, concurrently, get_all
from rollout_engine.kube.identity import kubeconfig_user
from tests.fakes.apiserver import FakeApiServer


def test_calls_really_run_at_the_same_time() -> None:
    # NB: each call waits for all the others; run one after another, they would time out
    barrier = threading.Barrier(4, timeout=10)

    def call(n: int) -> Any:
        return lambda: (barrier.wait(), n)[1]

    assert concurrently([call(n) for n in range(4)]) == [0, 1, 2, 3]


def test_failures_are_answers_in_order() -> None:
    def boom() -> int:
        raise NotFound("gone", status=404)

    answers = concurrently([lambda: 1, boom, lambda: 3])
    assert answers[0] == 1 and answers[2] == 3
    assert isinstance(answers[1], NotFound)
    assert concurrently([]) == []


def test_other_exceptions_are_not_swallowed() -> None:
    def bug() -> int:
        raise ValueError("a bug is not an API answer")

    with pytest.raises(ValueError, match="a bug"):
        concurrently([lambda: 1, bug])


def test_get_all_reads_objects_and_reports_missing_ones(apiserver: FakeApiServer) -> None:
    objects = Objects(connect(kubeconfig=str(apiserver.kubeconfig)).api_client)
    for name in ("a", "b"):
        apiserver.store.put(
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": {}}
        )
    configmap = kind("ConfigMap")
    a, missing, b = get_all(
        objects,
        [
            Ref(configmap, "a", "default"),
            Ref(configmap, "nope", "default"),
            Ref(configmap, "b", "default"),
        ],
    )
    assert isinstance(a, dict) and a["metadata"]["name"] == "a"
    assert isinstance(b, dict) and b["metadata"]["name"] == "b"
    assert isinstance(missing, KubeError) and missing.status == 404


def test_kubeconfig_user_follows_the_chosen_context(
    apiserver: FakeApiServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = yaml.safe_load(apiserver.kubeconfig_for("alice").read_text())
    other = dict(config["contexts"][0], name="ops")
    other["context"] = dict(other["context"], user="bob")
    config["contexts"].append(other)
    config["users"].append({"name": "bob", "user": {"token": "x"}})
    path = tmp_path / "config"
    path.write_text(yaml.safe_dump(config))
    assert kubeconfig_user(kubeconfig=str(path)) == "alice"
    assert kubeconfig_user(kubeconfig=str(path), context="ops") == "bob"
    assert kubeconfig_user(kubeconfig=str(path), context="missing") is None
    monkeypatch.setenv("KUBECONFIG", str(path))
    assert kubeconfig_user() == "alice"
    assert kubeconfig_user(kubeconfig=str(tmp_path / "absent")) is None
