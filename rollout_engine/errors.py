"""One exception tree for the whole engine.

Every layer raises from this tree so that the shell can map a failure to the
right reaction (a Degraded condition, a measurement in Error, a retry, a
non-zero exit) without string matching::

    RolloutEngineError
    ├── SpecError            invalid or inconsistent resources (→ Degraded condition, lint error)
    ├── ProviderError        metric source problems (→ measurement Error)
    │   ├── QueryError           Prometheus said the query is bad
    │   ├── ProviderUnavailable  timeout, connection refused, 5xx
    │   └── BadResult            wrong type, too large, not JSON
    ├── KubeError            API problems
    │   ├── Conflict             409: re-read and retry
    │   ├── NotFound
    │   ├── Forbidden
    │   └── NotLeader        this replica does not hold the Lease: the write is refused
    ├── NotifyError          delivery failed after retries
    └── SandboxError         a local sandbox process failed to start, reload or stop

The module imports nothing outside the standard library so that the pure
layers (`strategies`, `analysis`) can use it.
"""

from __future__ import annotations

__all__ = [
    "BadResult",
    "Conflict",
    "Forbidden",
    "KubeError",
    "NotFound",
    "NotLeader",
    "NotifyError",
    "ProviderError",
    "ProviderUnavailable",
    "QueryError",
    "RolloutEngineError",
    "SandboxError",
    "SpecError",
]


class RolloutEngineError(Exception):
    """Root of every error the engine raises on purpose."""


class SpecError(RolloutEngineError):
    """A resource is invalid or inconsistent.

    `path` names the offending field (``spec.strategy.canary.steps[2].setWeight``)
    so that status messages, Events and lint output can point at it.
    """

    def __init__(self, message: str, *, path: str = "") -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path
        self.detail = message


class ProviderError(RolloutEngineError):
    """A metric source could not produce a usable result."""


class QueryError(ProviderError):
    """The metric source rejected the query (bad PromQL, unknown function)."""


class ProviderUnavailable(ProviderError):
    """The metric source could not be reached in time (timeout, refused, 5xx)."""


class BadResult(ProviderError):
    """The metric source answered, but not with something we can judge."""


class KubeError(RolloutEngineError):
    """The Kubernetes API refused or failed a request."""

    def __init__(
        self, message: str, *, status: int | None = None, reason: str | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.reason = reason


class Conflict(KubeError):
    """409: the object changed under us; re-read and retry."""


class NotFound(KubeError):
    """404: the object does not exist."""


class Forbidden(KubeError):
    """403: the caller's RBAC does not allow the request."""


class NotLeader(KubeError):
    """This replica does not hold the leader Lease (any more): the write was refused.

    Raised before the request is sent, so a deposed leader never writes
    beside the new one (reliability.md H1).
    """


class NotifyError(RolloutEngineError):
    """A notification could not be delivered after its retries.

    ``permanent`` says a retry cannot help (a 4xx, a disallowed destination,
    an unknown subscription); ``retry_after`` carries a server's Retry-After
    hint in seconds so the next attempt honours it. Messages name the
    subscription ("slack webhook for subscription #0"), never the URL.
    """

    def __init__(
        self, message: str, *, permanent: bool = False, retry_after: float | None = None
    ) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.retry_after = retry_after


class SandboxError(RolloutEngineError):
    """A process of the local sandbox (app, nginx, Prometheus) failed.

    The message carries the tail of the process's log, so that a failed
    ``make demo`` says why without anyone opening a temporary directory.
    """
