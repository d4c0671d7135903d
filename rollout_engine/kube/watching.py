"""Watch one kind with the official client: list, then watch from the list's resourceVersion.

One thread per watched kind runs this loop until stopped:

1. **list** (the kind's objects and the list's resourceVersion); every object is
   delivered as ``ADDED``, and an object known before but absent now as
   ``DELETED``, so a relist after a long outage reconciles the consumer's view;
2. **watch** from that resourceVersion (``watch.Watch().stream``), with
   bookmarks, a server-side ``timeoutSeconds`` and a client-side *inactivity
   timeout* (the socket read timeout): a stream that stays open and silent
   (reliability.md H6, T13) fails after ``inactivity_timeout`` seconds instead
   of hanging forever; bookmarks keep a healthy but quiet stream alive;
3. when the stream ends, **resume** from the last resourceVersion seen; on
   **410 Gone** (the version fell out of the server's history), and on a stream
   that went **silent** (it may have dropped events on the way: the consumer's
   cache would never learn of them), **relist** at once; on any other failure,
   back off (1 s, doubling to 30 s) and relist.

Events are plain dicts as the API server sent them. Only grouped kinds are
watched (they go through ``CustomObjectsApi``, which returns dicts for any
group, ``apps/v1`` included); nothing here knows what the events mean.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import urllib3
from kubernetes import client, watch

from rollout_engine.errors import KubeError
from rollout_engine.kube.kinds import Kind

__all__ = ["EventType", "WatchSettings", "Watcher"]

log = logging.getLogger("rollout_engine.kube.watch")
EventType = Literal["ADDED", "MODIFIED", "DELETED"]
Handler = Callable[[EventType, dict[str, Any]], None]
_GONE = 410


@dataclass(frozen=True)
class WatchSettings:
    """Timing of one watch (seconds).

    Attributes:
        inactivity_timeout: a stream silent this long (no event, no bookmark)
            is presumed stalled and reconnected; production 120 s.
        server_timeout: asks the server to end each stream after this long,
            so streams are renewed even when everything is healthy.
        connect_timeout: for opening the connection.
        max_backoff: the longest wait between failed attempts.
    """

    inactivity_timeout: float = 120.0
    server_timeout: int = 300
    connect_timeout: float = 10.0
    max_backoff: float = 30.0


class Watcher:
    """Keeps one kind's events flowing to `on_event`, across stalls, expiries and outages."""

    def __init__(
        self,
        api_client: client.ApiClient,
        kind: Kind,
        *,
        on_event: Handler,
        namespace: str | None = None,
        label_selector: str | None = None,
        settings: WatchSettings | None = None,
        on_restart: Callable[[str], None] | None = None,
    ) -> None:
        if "/" not in kind.api_version:
            raise KubeError(f"only grouped kinds can be watched here, not {kind.kind}")
        self.kind = kind
        self._api = client.CustomObjectsApi(api_client)
        self._group, self._version = kind.api_version.split("/", 1)
        self._namespace = namespace if kind.namespaced else None
        self._selector = label_selector
        self._on_event = on_event
        self._on_restart = on_restart or (lambda reason: None)
        self._settings = settings or WatchSettings()
        self._known: dict[tuple[str, str], dict[str, Any]] = {}  # slim copies, for relists
        self._stopping = threading.Event()
        self._watch: watch.Watch | None = None
        self._thread: threading.Thread | None = None
        self.synced = threading.Event()
        """Set once the first list was delivered (readiness)."""

    def start(self) -> None:
        """Run the loop in a daemon thread."""
        self._thread = threading.Thread(
            target=self._run, name=f"watch-{self.kind.plural}", daemon=True
        )
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """End the loop and unblock a stream in flight."""
        self._stopping.set()
        current = self._watch
        if current is not None:
            current.stop()
        self.join(timeout)

    def join(self, timeout: float) -> None:
        """Wait up to `timeout` seconds for the loop's thread to end (after ``stop``)."""
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        backoff = 1.0
        version: str | None = None
        while not self._stopping.is_set():
            try:
                if version is None:
                    version = self._relist()
                version = self._stream(version)
                backoff = 1.0
                continue
            except client.ApiException as exc:
                reason = "expired" if exc.status == _GONE else f"HTTP {exc.status}"
                version = None  # NB: relist; after a 410 at once, otherwise after the backoff
                wait = exc.status != _GONE
            except urllib3.exceptions.ReadTimeoutError:
                reason, wait = "stalled", False  # NB: the inactivity timeout: relist, at once
                version = None
            except (urllib3.exceptions.HTTPError, OSError) as exc:
                reason, wait = f"broken ({type(exc).__name__})", True
            except Exception:  # NB: a consumer bug must not end the watch for good
                log.exception("watch %s failed; relisting", self.kind.plural)
                reason, wait, version = "error", True, None
            self._on_restart(reason.split(" ", 1)[0])
            log.info("watch %s restarts: %s", self.kind.plural, reason)
            if wait:
                self._stopping.wait(backoff)
                backoff = min(backoff * 2, self._settings.max_backoff)

    def _list_call(self) -> Callable[..., Any]:
        if not self.kind.namespaced:
            return self._api.list_cluster_custom_object
        if self._namespace:
            return self._api.list_namespaced_custom_object
        return self._api.list_custom_object_for_all_namespaces

    def _args(self) -> tuple[str, ...]:
        if self.kind.namespaced and self._namespace:
            return (self._group, self._version, self._namespace, self.kind.plural)
        return (self._group, self._version, self.kind.plural)

    def _relist(self) -> str:
        answer = self._list_call()(
            *self._args(),
            label_selector=self._selector,
            _request_timeout=(self._settings.connect_timeout, self._settings.inactivity_timeout),
        )
        items = [
            dict(item, apiVersion=self.kind.api_version, kind=self.kind.kind)
            for item in answer.get("items") or []
        ]
        seen = {_key(item): item for item in items}
        for key, gone in list(self._known.items()):
            if key not in seen:
                self._deliver("DELETED", gone)
        for item in items:
            self._deliver("ADDED", item)
        self.synced.set()
        return str(answer.get("metadata", {}).get("resourceVersion", ""))

    def _stream(self, version: str) -> str:
        """Deliver events until the stream ends; return the resourceVersion to resume from."""
        self._watch = current = watch.Watch()
        settings = self._settings
        try:
            for event in current.stream(
                self._list_call(),
                *self._args(),
                label_selector=self._selector,
                resource_version=version,
                allow_watch_bookmarks=True,
                timeout_seconds=settings.server_timeout,
                _request_timeout=(settings.connect_timeout, settings.inactivity_timeout),
            ):
                kind, obj = event.get("type"), event.get("raw_object") or {}
                version = str(obj.get("metadata", {}).get("resourceVersion") or version)
                if kind in ("ADDED", "MODIFIED", "DELETED"):
                    self._deliver(kind, obj)
                if self._stopping.is_set():
                    break
        finally:
            self._watch = None
        return version

    def _deliver(self, kind: EventType, obj: dict[str, Any]) -> None:
        key = _key(obj)
        if kind == "DELETED":
            self._known.pop(key, None)
        else:
            self._known[key] = _slim(obj)
        self._on_event(kind, obj)


def _slim(obj: dict[str, Any]) -> dict[str, Any]:
    """What a synthesized DELETED event needs (kind, names, labels, owners), not the object."""
    meta = obj.get("metadata") or {}
    kept = ("name", "namespace", "uid", "labels", "ownerReferences")
    return {
        "apiVersion": obj.get("apiVersion"),
        "kind": obj.get("kind"),
        "metadata": {k: meta[k] for k in kept if k in meta},
    }


def _key(obj: dict[str, Any]) -> tuple[str, str]:
    meta = obj.get("metadata") or {}
    return str(meta.get("namespace", "")), str(meta.get("name", ""))
