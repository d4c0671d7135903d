"""Loopback ports, small HTTP probes, and bounded waits for real processes.

Ports are chosen free at run time *below* the kernel's ephemeral range: a
port found free there can only be taken by another listener, never by one
of the thousands of outgoing connections nginx and the load generator open,
which would otherwise race the child that is about to bind it.
"""

from __future__ import annotations

import http.client
import random
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from rollout_engine.errors import SandboxError
from rollout_engine.sandbox.signals import sleep_or_exit

__all__ = ["Reply", "free_port", "http_get", "wait_until"]

T = TypeVar("T")
_LOWEST = 20000
_given: set[int] = set()
_given_lock = threading.Lock()


def _ephemeral_low() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def _bindable(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # NB: every child sets SO_REUSEADDR, so a port in TIME_WAIT is usable.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def free_port(host: str = "127.0.0.1", *, rng: random.Random | None = None) -> int:
    """A port nothing listens on, never handed out before by this process."""
    pick = rng or random.SystemRandom()
    high = max(_ephemeral_low(), _LOWEST + 1000)
    with _given_lock:
        for _ in range(200):
            port = pick.randrange(_LOWEST, high)
            if port not in _given and _bindable(host, port):
                _given.add(port)
                return port
    raise SandboxError(f"no free port on {host} in {_LOWEST}..{high} after 200 tries")


@dataclass(frozen=True)
class Reply:
    """A probe's answer: status, headers (lower-cased names) and body."""

    status: int
    headers: dict[str, str]
    body: bytes


def http_get(url: str, *, timeout: float = 1.0) -> Reply | None:
    """GET `url` on a fresh connection; None when nothing answers (yet)."""
    if not url.startswith("http://"):
        raise ValueError(f"the sandbox only probes plain http URLs, got {url!r}")
    hostport, _, path = url[len("http://") :].partition("/")
    host, _, port = hostport.rpartition(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=timeout)
    try:
        conn.request("GET", "/" + path)
        response = conn.getresponse()
        body = response.read()
        headers = {k.lower(): v for k, v in response.getheaders()}
        return Reply(status=response.status, headers=headers, body=body)
    except (OSError, http.client.HTTPException):
        return None
    finally:
        conn.close()


def wait_until(
    check: Callable[[], T | None],
    *,
    timeout: float,
    what: str,
    interval: float = 0.02,
    detail: Callable[[], str] | None = None,
) -> T:
    """Poll `check` until it returns a value; raise SandboxError after `timeout`.

    `check` may raise itself (e.g. when the process it waits for died) to
    fail fast; `detail` adds context (a log tail) to the timeout message.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value is not None:
            return value
        if time.monotonic() >= deadline:
            extra = detail() if detail is not None else ""
            raise SandboxError(f"{what}: not reached within {timeout:g}s" + _indent(extra))
        sleep_or_exit(interval)


def _indent(text: str) -> str:
    return "" if not text else "\n" + "\n".join("  | " + line for line in text.splitlines())
