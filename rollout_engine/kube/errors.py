"""API failures → the engine's exception tree.

The message is the API server's own (``deployments.apps "web" not found``), so
it reads the way kubectl would print it; nothing from the request body (which
may hold secrets) is ever included.
"""

from __future__ import annotations

import json
from typing import Any

from rollout_engine.errors import Conflict, Forbidden, KubeError, NotFound

__all__ = ["from_status", "transport_error"]


def from_status(*, status: int, body: bytes, action: str) -> KubeError:
    """The exception for an HTTP error answer of the API server."""
    detail = _status_message(body) or f"HTTP {status}"
    message = f"{action}: {detail}"
    if status == 404:
        return NotFound(message, status=status)
    if status == 409:
        return Conflict(message, status=status, reason=_status_field(body, "reason") or "Conflict")
    if status in (401, 403):
        return Forbidden(message, status=status)
    return KubeError(message, status=status)


def transport_error(exc: BaseException, *, action: str, host: str) -> KubeError:
    """The exception for a request that never got an answer (refused, timeout, TLS)."""
    kind = type(exc).__name__
    return KubeError(f"{action}: cannot reach the API server at {host} ({kind})")


def _status_message(body: bytes) -> str | None:
    value = _status_field(body, "message")
    return value if isinstance(value, str) and value else None


def _status_field(body: bytes, field: str) -> Any:
    try:
        parsed = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    return parsed.get(field) if isinstance(parsed, dict) else None
