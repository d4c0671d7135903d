"""Watch behaviour that needs the fake's controls: bookmarks, cuts, expiry, stalls, load."""

from __future__ import annotations

import http.client
import json
import ssl
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import urllib3
from kubernetes import client

from tests.contract import apis
from tests.fakes.apiserver import FakeApiServer
from tests.fakes.apiserver.tls import serving_cert


@pytest.fixture
def core(apiserver: FakeApiServer) -> Iterator[Any]:
    with apiserver.api_client() as api:
        yield apis.core(api)


def _cm(name: str) -> client.V1ConfigMap:
    return client.V1ConfigMap(metadata=client.V1ObjectMeta(name=name))


def _connection(server: FakeApiServer) -> http.client.HTTPSConnection:
    context = ssl.create_default_context(cafile=str(serving_cert().cert_file))
    return http.client.HTTPSConnection(server.url.removeprefix("https://"), context=context)


def _get(
    conn: http.client.HTTPSConnection,
    server: FakeApiServer,
    *,
    path: str,
    accept: str = "application/json",
) -> list[dict[str, Any]]:
    conn.request(
        "GET",
        path,
        headers={"Authorization": f"Bearer {server.token_for('admin')}", "Accept": accept},
    )
    response = conn.getresponse()
    assert response.status == 200
    assert response.getheader("Transfer-Encoding") == "chunked"
    return [json.loads(line) for line in response.read().splitlines()]


def _watch_once(
    server: FakeApiServer, path: str, *, accept: str = "application/json"
) -> list[dict[str, Any]]:
    conn = _connection(server)
    try:
        return _get(conn, server, path=path, accept=accept)
    finally:
        conn.close()


def test_stream_is_well_terminated_and_the_connection_reused(
    apiserver: FakeApiServer, core: Any
) -> None:
    core.create_namespaced_config_map("default", _cm("a"))
    conn = _connection(apiserver)
    path = "/api/v1/namespaces/default/configmaps?watch=true&timeoutSeconds=1"
    try:
        first = _get(conn, apiserver, path=path)
        second = _get(conn, apiserver, path=path)
    finally:
        conn.close()
    assert [e["type"] for e in first] == [e["type"] for e in second] == ["ADDED"]


def test_table_watch_sends_column_definitions_once(apiserver: FakeApiServer, core: Any) -> None:
    core.create_namespaced_config_map("default", _cm("a"))
    core.create_namespaced_config_map("default", _cm("b"))
    accept = "application/json;as=Table;v=v1;g=meta.k8s.io"
    events = _watch_once(
        apiserver,
        "/api/v1/namespaces/default/configmaps?watch=1&timeoutSeconds=1",
        accept=accept,
    )
    tables = [e["object"] for e in events]
    assert [t["kind"] for t in tables] == ["Table", "Table"]
    assert tables[0]["columnDefinitions"][0]["name"] == "Name"
    assert tables[1]["columnDefinitions"] is None
    assert [t["rows"][0]["cells"][0] for t in tables] == ["a", "b"]


def test_bookmarks_and_initial_events_end(make_apiserver: Any) -> None:
    server: FakeApiServer = make_apiserver(bookmark_interval=0.05)
    path = (
        "/api/v1/namespaces/default/configmaps?watch=true&timeoutSeconds=1"
        "&allowWatchBookmarks=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan"
    )
    server.store.put({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}})
    events = _watch_once(server, path)
    assert events[0]["type"] == "ADDED"
    assert events[1]["type"] == "BOOKMARK"
    assert events[1]["object"]["metadata"]["annotations"] == {"k8s.io/initial-events-end": "true"}
    assert sum(1 for e in events if e["type"] == "BOOKMARK") >= 3


def test_python_watch_follows_bookmarks(make_apiserver: Any) -> None:
    server: FakeApiServer = make_apiserver(bookmark_interval=0.05)
    with server.api_client() as api:
        core = apis.core(api)
        start = core.list_namespaced_config_map("default").metadata.resource_version
        server.store.put({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "elsewhere"}})
        w = apis.new_watch()
        for event in w.stream(
            core.list_namespaced_config_map,
            "default",
            resource_version=start,
            allow_watch_bookmarks=True,
            timeout_seconds=5,
        ):
            assert event["type"] == "BOOKMARK"
            break
    assert int(w.resource_version) == server.store.resource_version


def test_watch_resumes_after_a_cut_without_losing_events(
    apiserver: FakeApiServer, core: Any
) -> None:
    start = core.list_namespaced_config_map("default").metadata.resource_version
    stream = apis.new_watch().stream(
        core.list_namespaced_config_map, "default", resource_version=start
    )
    core.create_namespaced_config_map("default", _cm("a"))
    first = next(stream)
    assert apiserver.faults.cut_watches(resource="configmaps") == 1
    core.create_namespaced_config_map("default", _cm("b"))
    second = next(stream)
    stream.close()
    assert [
        (first["type"], first["object"].metadata.name),
        (second["type"], second["object"].metadata.name),
    ] == [("ADDED", "a"), ("ADDED", "b")]
    watches = apiserver.journal.entries(verb="watch")
    assert len(watches) == 2
    assert f"resourceVersion={first['object'].metadata.resource_version}" in watches[1].query


def test_abrupt_cut_breaks_the_connection(apiserver: FakeApiServer, core: Any) -> None:
    core.create_namespaced_config_map("default", _cm("a"))
    stream = apis.new_watch().stream(core.list_namespaced_config_map, "default")
    assert next(stream)["type"] == "ADDED"
    apiserver.faults.cut_watches(abrupt=True)
    with pytest.raises(urllib3.exceptions.ProtocolError):
        next(stream)


def test_expired_watch_is_retried_once_by_the_client(apiserver: FakeApiServer, core: Any) -> None:
    start = core.list_namespaced_config_map("default").metadata.resource_version
    core.create_namespaced_config_map("default", _cm("a"))
    apiserver.faults.expire_next_watch(resource="configmaps")
    stream = apis.new_watch().stream(
        core.list_namespaced_config_map, "default", resource_version=start, timeout_seconds=5
    )
    with pytest.raises(client.ApiException) as caught:
        next(iter(stream))
    assert caught.value.status == 410
    apiserver.faults.expire_next_watch(resource="configmaps")
    retried = apis.new_watch().stream(
        core.list_namespaced_config_map, "default", resource_version=start
    )
    assert next(retried)["object"].metadata.name == "a"
    retried.close()
    assert len(apiserver.journal.entries(verb="watch")) == 3


def test_compaction_makes_old_versions_too_old(apiserver: FakeApiServer, core: Any) -> None:
    start = core.list_namespaced_config_map("default").metadata.resource_version
    core.create_namespaced_config_map("default", _cm("a"))
    apiserver.store.compact()
    events = _watch_once(
        apiserver,
        f"/api/v1/namespaces/default/configmaps?watch=1&resourceVersion={start}",
    )
    assert [e["type"] for e in events] == ["ERROR"]
    assert events[0]["object"]["code"] == 410 and events[0]["object"]["reason"] == "Expired"


def test_stalled_watch_delivers_nothing_until_resumed(apiserver: FakeApiServer, core: Any) -> None:
    start = core.list_namespaced_config_map("default").metadata.resource_version
    apiserver.faults.stall_watches(resource="configmaps")
    core.create_namespaced_config_map("default", _cm("a"))
    stalled = apis.new_watch().stream(
        core.list_namespaced_config_map, "default", resource_version=start, timeout_seconds=1
    )
    assert list(stalled) == []
    apiserver.faults.resume_watches()
    resumed = apis.new_watch().stream(
        core.list_namespaced_config_map, "default", resource_version=start, timeout_seconds=5
    )
    assert next(iter(resumed))["object"].metadata.name == "a"


def test_many_concurrent_watches(apiserver: FakeApiServer, core: Any) -> None:
    start = core.list_namespaced_config_map("default").metadata.resource_version
    results: dict[int, list[str]] = {}

    def follow(index: int) -> None:
        with apiserver.api_client() as api:
            seen: list[str] = []
            for event in apis.new_watch().stream(
                apis.core(api).list_namespaced_config_map,
                "default",
                resource_version=start,
                timeout_seconds=20,
            ):
                seen.append(event["object"].metadata.name)
                if len(seen) == 10:
                    break
            results[index] = seen

    threads = [threading.Thread(target=follow, args=(i,)) for i in range(25)]
    for thread in threads:
        thread.start()
    for i in range(10):
        core.create_namespaced_config_map("default", _cm(f"c{i}"))
    for thread in threads:
        thread.join()
    assert len(results) == 25
    assert all(seen == [f"c{i}" for i in range(10)] for seen in results.values())
