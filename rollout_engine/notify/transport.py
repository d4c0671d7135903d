"""HTTP for notifiers: ``slack_sdk``'s WebhookClient on a guarded urllib opener.

``WebhookClient`` is kept for what it does well (JSON body, retry handlers,
the User-Agent), but its opener is replaced because urllib's default one
(a) follows redirects — a 302 turns the POST into a GET to wherever the
``Location`` points, the SSRF of flagger #1914 — and (b) honours proxy
environment variables, which would make the connected peer a proxy the
address check cannot see through. Ours has no redirect handler (a 3xx comes
back as a response and fails permanently), no proxy, and a connection class
that checks the address of the socket it actually connected to before a
byte is sent. ``slack_sdk`` does not raise on 4xx/5xx (ecosystem.md §4), so
``check_response`` maps every status explicitly.

NB: ``_perform_http_request_internal`` is a private hook of slack_sdk 3.x
(pinned ``<4``); the redirect and address tests fail loudly if it moves.
"""

from __future__ import annotations

import functools
import http.client
import re
import socket
import ssl
import urllib.request
from collections.abc import Callable
from typing import Any
from urllib.request import Request

from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.webhook import WebhookClient, WebhookResponse

from rollout_engine.errors import NotifyError
from rollout_engine.notify.destinations import Destination, DestinationPolicy
from rollout_engine.notify.redact import REDACTOR, get_logger

__all__ = [
    "DestinationRefused",
    "GuardedWebhookClient",
    "check_response",
    "retry_after_of",
    "retry_handlers",
]

Guard = Callable[[str], None]
_SLACK_CODE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


class _BoundedRateLimitHandler(RateLimitErrorRetryHandler):
    """Retry a 429 in the worker only when Retry-After is short; longer ones go to the outbox."""

    def __init__(self, *, max_retry_count: int, max_wait: int) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.max_wait = max_wait

    def _can_retry(
        self, *, state: Any, request: Any, response: Any = None, error: Any = None
    ) -> bool:
        if response is None or response.status_code != 429:
            return False
        headers = {k: v[0] for k, v in response.headers.items() if v}
        if not any(k.lower() == "retry-after" for k in headers):
            return True  # slack_sdk waits 1-2 s
        wait = retry_after_of(headers)  # NB: an HTTP-date would crash slack_sdk's int()
        return wait is not None and wait <= self.max_wait


def retry_handlers(*, retries: int, max_wait: int) -> list[RetryHandler]:
    """Connection errors, 429 (Retry-After honoured up to ``max_wait`` s) and 500/503."""
    quick = BackoffRetryIntervalCalculator(backoff_factor=0.2)
    return [
        ConnectionErrorRetryHandler(max_retry_count=retries, interval_calculator=quick),
        _BoundedRateLimitHandler(max_retry_count=retries, max_wait=max_wait),
        ServerErrorRetryHandler(max_retry_count=retries, interval_calculator=quick),
    ]


def retry_after_of(headers: Any) -> int | None:
    """The Retry-After header in whole seconds, if it is a number."""
    for name, value in dict(headers or {}).items():
        if name.lower() == "retry-after":
            text = str(value[0] if isinstance(value, list) else value).strip()
            return int(text) if text.isdigit() else None
    return None


def check_response(response: WebhookResponse, *, label: str) -> None:
    """2xx is delivered; 408/429/5xx are worth retrying; anything else is permanent."""
    status = response.status_code
    if 200 <= status < 300:
        return
    body = (response.body or "").strip()
    code = f" ({body})" if _SLACK_CODE.match(body) else ""  # Slack's error codes only
    if status == 429:
        wait = retry_after_of(response.headers)
        raise NotifyError(f"{label} answered 429{code or ' (rate limited)'}", retry_after=wait)
    if status == 408 or status >= 500:
        raise NotifyError(f"{label} answered {status}{code}")
    if 300 <= status < 400:
        raise NotifyError(f"{label} answered {status}: redirects are not followed", permanent=True)
    raise NotifyError(f"{label} answered {status}{code}", permanent=True)


class DestinationRefused(Exception):
    """The connected peer is not allowed. Not an OSError, so no handler retries it."""

    def __init__(self, error: NotifyError) -> None:
        super().__init__(str(error))
        self.error = error


def _guarded(cls: type[http.client.HTTPConnection], guard: Guard) -> Callable[..., Any]:
    def connect(address: tuple[str, int], timeout: Any = None, source: Any = None) -> socket.socket:
        sock = socket.create_connection(address, timeout, source)
        try:
            guard(str(sock.getpeername()[0]))
        except NotifyError as err:
            sock.close()
            raise DestinationRefused(err) from None
        return sock

    def build(*args: Any, **kwargs: Any) -> http.client.HTTPConnection:
        conn = cls(*args, **kwargs)
        conn._create_connection = connect  # type: ignore[attr-defined]  # NB: checked before TLS
        return conn

    return build


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # the 3xx surfaces as an HTTPError, which slack_sdk turns into a response


class _Http(urllib.request.HTTPHandler):
    def __init__(self, guard: Guard) -> None:
        super().__init__()
        self._guard = guard

    def http_open(self, req: Request) -> http.client.HTTPResponse:
        return self.do_open(_guarded(http.client.HTTPConnection, self._guard), req)


@functools.cache
def _tls() -> ssl.SSLContext:
    """One verifying context for every send: loading the CA bundle costs ~40 ms."""
    return ssl.create_default_context()


class _Https(urllib.request.HTTPSHandler):
    def __init__(self, guard: Guard) -> None:
        self._tls = _tls()  # certificate and host name checks on
        super().__init__(context=self._tls)
        self._guard = guard

    def https_open(self, req: Request) -> http.client.HTTPResponse:
        return self.do_open(
            _guarded(http.client.HTTPSConnection, self._guard), req, context=self._tls
        )


class GuardedWebhookClient(WebhookClient):
    """A WebhookClient that never follows redirects and checks every connected address."""

    def __init__(
        self,
        url: str,
        *,
        destination: Destination,
        policy: DestinationPolicy,
        label: str,
        timeout: float,
        handlers: list[RetryHandler],
    ) -> None:
        REDACTOR.add(url)
        super().__init__(
            url,
            timeout=timeout,  # type: ignore[arg-type]  # urllib takes float seconds
            # NB: our opener never uses a proxy; any non-empty value keeps WebhookClient
            # from reading proxy variables from the environment (and logging them).
            proxy="unused",
            logger=get_logger("transport"),
            retry_handlers=handlers,
        )

        def guard(address: str) -> None:
            policy.check_address(address, destination=destination, label=label)

        self._opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}), _NoRedirect(), _Http(guard), _Https(guard)
        )

    def _perform_http_request_internal(self, url: str, req: Request) -> WebhookResponse:
        with self._opener.open(req, timeout=self.timeout) as resp:
            charset = resp.headers.get_content_charset() or "utf-8"
            body = resp.read().decode(charset, errors="replace")
            return WebhookResponse(
                url=url, status_code=resp.status, body=body, headers=dict(resp.headers.items())
            )
