"""The official client's API objects, as the tests use them.

Every field of the v37 models is Optional, so a typed chain such as
`core.read_namespace(n).status.phase` would need a None check per attribute, and typed
parameters refuse the plain dict bodies the client accepts at run time. Tests check
values at run time, so these constructors hand out `Any`.
"""

from __future__ import annotations

import json
from typing import Any

from kubernetes import client, watch
from kubernetes.dynamic import DynamicClient


def core(api: client.ApiClient) -> Any:
    return client.CoreV1Api(api)


def apps(api: client.ApiClient) -> Any:
    return client.AppsV1Api(api)


def networking(api: client.ApiClient) -> Any:
    return client.NetworkingV1Api(api)


def coordination(api: client.ApiClient) -> Any:
    return client.CoordinationV1Api(api)


def custom(api: client.ApiClient) -> Any:
    return client.CustomObjectsApi(api)


def extensions(api: client.ApiClient) -> Any:
    return client.ApiextensionsV1Api(api)


def events(api: client.ApiClient) -> Any:
    return client.EventsV1Api(api)


def version(api: client.ApiClient) -> Any:
    return client.VersionApi(api)


def dynamic(api: client.ApiClient) -> Any:
    return DynamicClient(api)


def new_watch() -> Any:
    """`kubernetes.watch.Watch()` (untyped in the client)."""
    return watch.Watch()


def error_body(exc: client.ApiException) -> Any:
    """The Status object of a failed call."""
    return json.loads(exc.body or "null")
