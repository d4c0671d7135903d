"""Kubernetes `Status` errors, rendered the way kube-apiserver renders them.

Clients decide what happened from a Status body's `reason`, `code` and `details`
(client-go's `errors.IsConflict`, kubectl's "Error from server (NotFound)", the python
client's `ApiException.body`), not from the HTTP status alone, so every failure the fake
returns goes through one of these constructors with the real server's wording.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MODIFIED_MESSAGE = (
    "the object has been modified; please apply your changes to the latest version and try again"
)


@dataclass(frozen=True)
class Cause:
    """One field-level reason of an Invalid (422) response (`details.causes[]`)."""

    reason: str
    message: str
    field: str

    def render(self) -> dict[str, str]:
        return {"reason": self.reason, "message": self.message, "field": self.field}

    def line(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


@dataclass(eq=False)
class ApiError(Exception):
    """A failed request; `status()` is the body, `headers` extra response headers."""

    code: int
    reason: str
    message: str
    details: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.code} {self.reason}: {self.message}"

    def status(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
        }
        if self.reason:
            body["reason"] = self.reason
        if self.details:
            body["details"] = self.details
        body["code"] = self.code
        return body


def _details(name: str, group: str, *, kind: str) -> dict[str, Any]:
    details: dict[str, Any] = {"name": name} if name else {}
    if group:
        details["group"] = group
    details["kind"] = kind
    return details


def not_found(*, qualified: str, group: str, resource: str, name: str) -> ApiError:
    return ApiError(
        404, "NotFound", f'{qualified} "{name}" not found', _details(name, group, kind=resource)
    )


def already_exists(*, qualified: str, group: str, resource: str, name: str) -> ApiError:
    return ApiError(
        409,
        "AlreadyExists",
        f'{qualified} "{name}" already exists',
        _details(name, group, kind=resource),
    )


def conflict(
    *, qualified: str, group: str, resource: str, name: str, why: str = MODIFIED_MESSAGE
) -> ApiError:
    message = f'Operation cannot be fulfilled on {qualified} "{name}": {why}'
    return ApiError(409, "Conflict", message, _details(name, group, kind=resource))


def invalid(*, group_kind: str, group: str, kind: str, name: str, causes: list[Cause]) -> ApiError:
    """422 with field causes; one cause reads inline, several as a bracketed list."""
    lines = [c.line() for c in causes]
    joined = lines[0] if len(lines) == 1 else "[" + ", ".join(lines) + "]"
    details = _details(name, group, kind=kind)
    details["causes"] = [c.render() for c in causes]
    return ApiError(422, "Invalid", f'{group_kind} "{name}" is invalid: {joined}', details)


def bad_request(message: str) -> ApiError:
    return ApiError(400, "BadRequest", message)


def unauthorized() -> ApiError:
    return ApiError(401, "Unauthorized", "Unauthorized")


def forbidden(message: str, *, name: str = "", group: str = "", resource: str = "") -> ApiError:
    details = _details(name, group, kind=resource) if resource else None
    return ApiError(403, "Forbidden", message, details)


def method_not_supported(*, qualified: str, verb: str) -> ApiError:
    return ApiError(
        405, "MethodNotAllowed", f"{verb} is not supported on resources of kind {qualified!r}"
    )


def not_acceptable(accept: str) -> ApiError:
    return ApiError(
        406,
        "NotAcceptable",
        f"only the following media types are accepted: application/json (got {accept})",
    )


def gone(message: str) -> ApiError:
    return ApiError(410, "Expired", message)


def too_large(limit: int) -> ApiError:
    return ApiError(413, "RequestEntityTooLarge", f"Request entity too large: limit is {limit}")


def unsupported_media_type(accepted: list[str]) -> ApiError:
    types = ", ".join(accepted)
    return ApiError(
        415,
        "UnsupportedMediaType",
        f"the body of the request was in an unknown format - accepted media types include: {types}",
    )


def too_many_requests(retry_after: int) -> ApiError:
    return ApiError(
        429,
        "TooManyRequests",
        "Too many requests, please try again later.",
        {"retryAfterSeconds": retry_after},
        {"Retry-After": str(retry_after)},
    )


def internal(message: str) -> ApiError:
    return ApiError(
        500,
        "InternalError",
        f"Internal error occurred: {message}",
        {"causes": [{"message": message}]},
    )


def unavailable(message: str = "the server is currently unable to handle the request") -> ApiError:
    return ApiError(503, "ServiceUnavailable", message)


def timeout(
    message: str = "the server was unable to return a response in the time allotted",
) -> ApiError:
    return ApiError(504, "Timeout", message)
