"""The cluster a contract test talks to, and helpers that only use the Kubernetes API.

By default the target is the in-repo fake API server; with `KUBECONFIG` set, it is that
cluster. Nothing here may reach into the fake: tests that need its controls (faults,
journal, world simulator) live in `tests/fakes/apiserver/`.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kubernetes import client, config

from tests.contract import apis

Obj = dict[str, Any]


@dataclass
class KubeTarget:
    """kubectl and python-client access to the cluster under test."""

    kubeconfig: Path | None
    workdir: Path
    is_fake: bool

    def api(self) -> client.ApiClient:
        path = str(self.kubeconfig) if self.kubeconfig else None
        api: client.ApiClient = config.new_client_from_config(config_file=path)
        return api

    def _argv(self, args: tuple[str, ...]) -> list[str]:
        base = ["kubectl", f"--cache-dir={self.workdir / 'kubectl-cache'}"]
        if self.kubeconfig:
            base.append(f"--kubeconfig={self.kubeconfig}")
        return [*base, *args]

    def _env(self) -> dict[str, str]:
        return {k: v for k, v in os.environ.items() if self.kubeconfig is None or k != "KUBECONFIG"}

    def kubectl(
        self, *args: str, input: str | None = None, timeout: float = 60.0, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            self._argv(args),
            input=input,
            text=True,
            capture_output=True,
            timeout=timeout,
            env=self._env(),
            check=False,
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"kubectl {' '.join(args)} failed ({result.returncode}):\n"
                f"{result.stdout}\n{result.stderr}"
            )
        return result

    def kubectl_popen(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            self._argv(args),
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=self._env(),
        )


@dataclass(frozen=True)
class RawResponse:
    status: int
    headers: dict[str, str]
    body: Any


def raw(
    api: client.ApiClient,
    method: str,
    *,
    path: str,
    body: Any = None,
    content_type: str | None = None,
    accept: str = "application/json",
    query: dict[str, str] | None = None,
) -> RawResponse:
    """One request exactly as given (status and body are not interpreted)."""
    headers = {"Accept": accept}
    if content_type:
        headers["Content-Type"] = content_type
    if isinstance(body, str):
        body = body.encode()
    _, url, headers, payload, _ = api.param_serialize(
        method,
        path,
        query_params=list((query or {}).items()) or None,
        header_params=headers,
        body=body,
        auth_settings=["BearerToken"],
    )
    response = api.call_api(method, url, header_params=headers, body=payload)
    data: bytes = response.read()
    try:
        parsed = json.loads(data) if data else None
    except ValueError:
        parsed = data.decode()
    return RawResponse(response.status, dict(response.headers), parsed)


def as_dict(api: client.ApiClient, obj: Any) -> Obj:
    """A model or dict as the API's JSON (camelCase keys)."""
    if isinstance(obj, dict):
        return obj
    serialised: Obj = api.sanitize_for_serialization(obj)
    return serialised


def until(
    api: client.ApiClient,
    list_fn: Callable[..., Any],
    *args: Any,
    name: str,
    predicate: Callable[[Obj | None], bool],
    timeout: int = 30,
    **kwargs: Any,
) -> Obj | None:
    """Wait, by watching (never by sleeping), until `predicate(object or None)` holds.

    On the fake, effects are immediate and the first list already satisfies it; on a real
    cluster the garbage collector and controllers are asynchronous.
    """
    selector = f"metadata.name={name}"
    listed = as_dict(api, list_fn(*args, field_selector=selector, **kwargs))
    current = listed["items"][0] if listed["items"] else None
    if predicate(current):
        return current
    stream = apis.new_watch().stream(
        list_fn,
        *args,
        field_selector=selector,
        timeout_seconds=timeout,
        resource_version=listed["metadata"]["resourceVersion"],
        **kwargs,
    )
    for event in stream:
        current = None if event["type"] == "DELETED" else as_dict(api, event["raw_object"])
        if predicate(current):
            return current
    raise TimeoutError(f"{name}: condition not met within {timeout}s (last: {current})")
