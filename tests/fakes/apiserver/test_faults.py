"""Fault injection: failing, slow and partitioned API servers, as tests script them."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import urllib3
from kubernetes import client

from tests.contract import apis
from tests.fakes.apiserver import FakeApiServer


@pytest.fixture
def core(apiserver: FakeApiServer) -> Iterator[Any]:
    with apiserver.api_client() as api:
        yield apis.core(api)


def _cm(name: str) -> client.V1ConfigMap:
    return client.V1ConfigMap(metadata=client.V1ObjectMeta(name=name))


def _status_of(call: object) -> int:
    try:
        call()  # type: ignore[operator]
    except client.ApiException as exc:
        return int(exc.status)
    return 200


def test_fail_next_n_matching_requests(apiserver: FakeApiServer, core: Any) -> None:
    rule = apiserver.faults.fail(409, verb="create", resource="configmaps", times=2)
    outcomes = [
        _status_of(lambda: core.create_namespaced_config_map("default", _cm("a"))) for _ in range(3)
    ]
    assert outcomes == [409, 409, 200]
    assert rule.hits == 2
    failed = apiserver.journal.writes(status=409)
    assert [r.fault for r in failed] == ["status 409", "status 409"]
    assert apiserver.store.get("v1", "ConfigMap", name="a") is not None


def test_injected_conflict_reads_like_the_real_one(apiserver: FakeApiServer, core: Any) -> None:
    core.create_namespaced_config_map("default", _cm("a"))
    apiserver.faults.fail(409, verb="patch")
    with pytest.raises(client.ApiException) as caught:
        core.patch_namespaced_config_map("a", "default", {"data": {"k": "v"}})
    body = apis.error_body(caught.value)
    assert body["reason"] == "Conflict" and "the object has been modified" in body["message"]


def test_429_carries_retry_after(apiserver: FakeApiServer, core: Any) -> None:
    apiserver.faults.fail(429, verb="create", retry_after=7)
    with pytest.raises(client.ApiException) as caught:
        core.create_namespaced_config_map("default", _cm("a"))
    assert caught.value.status == 429
    assert (caught.value.headers or {})["Retry-After"] == "7"
    assert apis.error_body(caught.value)["details"]["retryAfterSeconds"] == 7


def test_the_python_client_retries_reads_after_429(apiserver: FakeApiServer, core: Any) -> None:
    apiserver.faults.fail(429, verb="list", retry_after=1)
    assert core.list_namespaced_config_map("default").items == []
    assert [r.status for r in apiserver.journal.entries(verb="list")] == [429, 200]


@pytest.mark.parametrize(
    ("status", "reason"), [(500, "InternalError"), (503, "ServiceUnavailable"), (504, "Timeout")]
)
def test_server_errors_on_writes_only(
    apiserver: FakeApiServer, core: Any, status: int, reason: str
) -> None:
    apiserver.faults.fail(status, verb="write", times=None)
    assert core.list_namespaced_config_map("default").items == []
    with pytest.raises(client.ApiException) as caught:
        core.create_namespaced_config_map("default", _cm("a"))
    assert caught.value.status == status
    assert apis.error_body(caught.value)["reason"] == reason


def test_subresource_and_identity_targeting(apiserver: FakeApiServer) -> None:
    apiserver.faults.fail(500, resource="configmaps", identity="intruder", times=None)
    with apiserver.api_client("intruder") as bad, apiserver.api_client("engine") as good:
        assert _status_of(lambda: apis.core(bad).list_namespaced_config_map("default")) == 500
        assert apis.core(good).list_namespaced_config_map("default").items == []
        apps = apis.apps(good)
        apiserver.faults.fail(503, resource="deployments/status", times=None)
        labels = {"app": "a"}
        apps.create_namespaced_deployment(
            "default",
            {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "metadata": {"name": "a"},
                "spec": {
                    "selector": {"matchLabels": labels},
                    "template": {
                        "metadata": {"labels": labels},
                        "spec": {"containers": [{"name": "a", "image": "a"}]},
                    },
                },
            },
        )
        assert (
            _status_of(
                lambda: apps.patch_namespaced_deployment_status(
                    "a", "default", {"status": {"replicas": 1}}
                )
            )
            == 503
        )


def test_probabilistic_faults_repeat_with_the_seed(make_apiserver: object) -> None:
    def pattern() -> list[int]:
        server: FakeApiServer = make_apiserver()  # type: ignore[operator]
        server.faults.fail(500, verb="create", probability=0.3, times=None, seed=42)
        with server.api_client() as api:
            core = apis.core(api)
            return [
                _status_of(lambda i=i: core.create_namespaced_config_map("default", _cm(f"c{i}")))
                for i in range(20)
            ]

    first, second = pattern(), pattern()
    assert first == second
    assert 0 < first.count(500) < 20


def test_delay(apiserver: FakeApiServer, core: Any) -> None:
    apiserver.faults.delay(0.3, verb="list", times=1)
    started = time.monotonic()
    core.list_namespaced_config_map("default")
    assert time.monotonic() - started >= 0.3
    assert apiserver.journal.entries(verb="list")[-1].fault == "delay 0.3s"


def test_blackhole_one_identity_while_others_are_served(apiserver: FakeApiServer) -> None:
    apiserver.faults.blackhole("old-leader")
    with apiserver.api_client("old-leader") as old, apiserver.api_client("new-leader") as new:
        with pytest.raises(urllib3.exceptions.MaxRetryError):
            apis.core(old).list_namespaced_config_map("default", _request_timeout=0.2)
        apis.core(new).create_namespaced_config_map("default", _cm("mine"))
        apiserver.faults.heal("old-leader")
        assert [
            c.metadata.name for c in apis.core(old).list_namespaced_config_map("default").items
        ] == ["mine"]
    dropped = apiserver.journal.wait_for(lambda r: r.fault == "blackhole", timeout=5)
    assert dropped.identity == "old-leader" and dropped.status is None
    assert not apiserver.journal.writes(identity="old-leader")


def test_wipe_loses_everything(apiserver: FakeApiServer, core: Any) -> None:
    core.create_namespaced_config_map("default", _cm("a"))
    apiserver.wipe()
    assert core.list_namespaced_config_map("default").items == []
    assert core.read_namespace("default").status.phase == "Active"


def test_clear_removes_rules_and_heals(apiserver: FakeApiServer, core: Any) -> None:
    apiserver.faults.fail(500, times=None)
    apiserver.faults.blackhole("x")
    apiserver.faults.clear()
    assert core.list_namespaced_config_map("default").items == []
    assert not apiserver.faults.blackholed("x")


def test_other_requests_are_served_during_a_delay(apiserver: FakeApiServer) -> None:
    apiserver.faults.delay(0.5, identity="slow", times=1)
    with apiserver.api_client("slow") as slow_api, apiserver.api_client("fast") as fast_api:
        slow = threading.Thread(
            target=apis.core(slow_api).list_namespaced_config_map, args=("default",)
        )
        slow.start()
        apis.core(fast_api).list_namespaced_config_map("default")
        slow.join()
    assert [r.identity for r in apiserver.journal.entries(verb="list")] == ["fast", "slow"]
