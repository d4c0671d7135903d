"""Prometheus as a `MetricProvider`, over `prometheus-api-client`'s configured session.

`PrometheusConnect` holds the connection settings (URL, headers, basic auth,
TLS verification, the urllib3 retry adapter) and its ``requests`` session does
the I/O. Its ``custom_query`` helpers are not used: they return only
``data.result`` and so lose ``resultType`` (a scalar and a one-series vector
become indistinguishable) and ``warnings``, and they turn every non-200 answer
into one exception without ``errorType``. We send the request on the same
session and parse the whole envelope in `analysis.providers.envelope`.

Choices that matter for verdicts and for safety:

* **No retries here.** The retry adapter is configured with zero retries;
  Argo Rollouts' policy (an errored measurement is retried 10 s later, the
  metric errors after ``consecutiveErrorLimit``) lives in the run, where it is
  visible in status. The timeout (default 30 s) is therefore the whole budget
  of one measurement, enforced across connect, wait and a slow body.
* **Bounded answers.** The body is streamed and cut at `max_bytes` (10 MiB by
  default), decompressed bytes counted, so a runaway query cannot exhaust memory.
* **Credentials are values, never text.** The bearer token and basic-auth
  password arrive resolved (the shell reads the Secrets); they go into headers
  only, are excluded from ``repr``, and no message built here contains them,
  the query string or a URL with user info. Redirects are not followed.
* **TLS verification is on** unless the template sets ``insecure: true``.
* **POST, as form data**, as Prometheus' own Go client does: the query stays
  out of URLs, hence out of proxy access logs and urllib3's DEBUG log (a
  secret-valued argument may be in it), and long PromQL meets no URL limit.
  A server that answers 405 to POST is asked again with GET.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final
from urllib.parse import urlsplit

import requests
import urllib3
from prometheus_api_client.prometheus_connect import PrometheusConnect
from urllib3.util.retry import Retry

from analysis.providers.base import QueryResult, SecretResolver
from analysis.providers.envelope import parse_answer
from rollout_engine.api.metric import PrometheusProvider
from rollout_engine.errors import BadResult, ProviderUnavailable, SpecError

__all__ = ["DEFAULT_MAX_BYTES", "DEFAULT_TIMEOUT", "PrometheusClient", "PrometheusSettings"]

DEFAULT_TIMEOUT: Final = 30.0
DEFAULT_MAX_BYTES: Final = 10 * 1024 * 1024
_METHOD_NOT_ALLOWED: Final = 405
_CHUNK: Final = 64 * 1024


@dataclass(frozen=True)
class PrometheusSettings:
    """How to reach one Prometheus. Credential fields are hidden from ``repr``."""

    address: str
    timeout: float = DEFAULT_TIMEOUT
    headers: Mapping[str, str] = field(default_factory=dict)
    bearer_token: str | None = field(default=None, repr=False)
    basic_auth: tuple[str, str] | None = field(default=None, repr=False)
    insecure: bool = False
    max_bytes: int = DEFAULT_MAX_BYTES

    def __post_init__(self) -> None:
        parts = urlsplit(self.address)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise SpecError(
                f"not an http(s) URL: {_display(self.address)!r}",
                path="provider.prometheus.address",
            )
        if self.timeout <= 0 or self.max_bytes <= 0:
            raise ValueError("timeout and max_bytes must be positive")
        for key, value in self.headers.items():
            if any(c in key + value for c in "\r\n\0"):
                raise SpecError(
                    f"header {key!r} contains a line break", path="provider.prometheus.headers"
                )

    @property
    def display(self) -> str:
        """The address without user info, for messages."""
        return _display(self.address)


class PrometheusClient:
    """Instant and range queries against one Prometheus, with explicit evaluation times."""

    def __init__(self, settings: PrometheusSettings) -> None:
        self.settings = settings
        session = requests.Session()
        session.verify = not settings.insecure
        headers = dict(settings.headers)
        if settings.bearer_token is not None:
            headers["Authorization"] = f"Bearer {settings.bearer_token}"
        self._connect = PrometheusConnect(
            url=settings.address.rstrip("/"),
            headers=headers,
            disable_ssl=settings.insecure,
            retry=Retry(total=0, redirect=False, raise_on_status=False),
            auth=settings.basic_auth,  # type: ignore[arg-type]
            session=session,
            timeout=settings.timeout,  # type: ignore[arg-type]
        )
        self._session = session

    def __repr__(self) -> str:
        return f"PrometheusClient({self.settings.display!r})"

    def close(self) -> None:
        """Release the connection pool."""
        self._session.close()

    def query(self, *, expr: str, at: datetime) -> QueryResult:
        """``/api/v1/query`` at time `at` (timezone-aware)."""
        return self._call("query", {"query": expr, "time": _unix(at)})

    def query_range(
        self, *, expr: str, start: datetime, end: datetime, step: timedelta
    ) -> QueryResult:
        """``/api/v1/query_range`` from `start` to `end` every `step`."""
        params = {
            "query": expr,
            "start": _unix(start),
            "end": _unix(end),
            "step": f"{step.total_seconds():g}",
        }
        return self._call("query_range", params)

    def _call(self, endpoint: str, params: dict[str, str]) -> QueryResult:
        params["timeout"] = f"{self.settings.timeout:g}s"
        deadline = time.monotonic() + self.settings.timeout
        status, body = self._fetch(endpoint, {"method": "POST", "data": params}, deadline)
        if status == _METHOD_NOT_ALLOWED:
            status, body = self._fetch(endpoint, {"method": "GET", "params": params}, deadline)
        return parse_answer(status=status, body=body, source=self.settings.display)

    def _fetch(self, endpoint: str, send: dict[str, Any], deadline: float) -> tuple[int, bytes]:
        timeout = max(deadline - time.monotonic(), 0.001)
        try:
            response = self._session.request(
                url=f"{self._connect.url}/api/v1/{endpoint}",
                headers=self._connect.headers,
                auth=self._connect.auth,
                timeout=(timeout, timeout),
                stream=True,
                allow_redirects=False,
                verify=self._session.verify,
                **send,
            )
            with response:
                return response.status_code, self._read(response, deadline)
        except (requests.Timeout, urllib3.exceptions.TimeoutError):
            raise self._timed_out() from None
        except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
            if time.monotonic() >= deadline:
                raise self._timed_out() from None
            raise ProviderUnavailable(f"{self.settings.display} {_why(exc)}") from None

    def _read(self, response: requests.Response, deadline: float) -> bytes:
        """The body, within the size cap and the deadline.

        ``read1`` returns as soon as one socket read yields data, so a server
        that drips bytes is cut within one read timeout past the deadline
        (``iter_content`` would block until a whole chunk had arrived).
        """
        cap = self.settings.max_bytes
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > cap:
            raise BadResult(f"the answer is larger than the {cap}-byte limit")
        chunks: list[bytes] = []
        total = 0
        while True:
            if time.monotonic() > deadline:
                raise self._timed_out()
            chunk = response.raw.read1(_CHUNK, decode_content=True)
            if not chunk:
                return b"".join(chunks)
            total += len(chunk)
            if total > cap:
                raise BadResult(f"the answer is larger than the {cap}-byte limit")
            chunks.append(chunk)

    def _timed_out(self) -> ProviderUnavailable:
        return ProviderUnavailable(
            f"{self.settings.display} did not answer within {self.settings.timeout:g}s"
        )


def prometheus_from_spec(
    spec: PrometheusProvider, *, secrets: SecretResolver, address: str | None = None
) -> PrometheusClient:
    """Build a client from a template's ``provider.prometheus`` (args already substituted).

    `address` overrides the template's (the replay command points templates
    written for in-cluster addresses at another server).

    Raises:
        SpecError: no address, a bad address or header, or a Secret that cannot be read.
    """
    where = address or spec.address
    if not where:
        raise SpecError("no Prometheus address", path="provider.prometheus.address")
    auth = spec.authentication
    token = secrets(auth.bearer_token.secret_key_ref) if auth and auth.bearer_token else None
    basic = (
        (auth.basic_auth.username, secrets(auth.basic_auth.password.secret_key_ref))
        if auth and auth.basic_auth
        else None
    )
    settings = PrometheusSettings(
        address=where,
        timeout=float(spec.timeout or DEFAULT_TIMEOUT),
        headers={h.key: h.value for h in spec.headers},
        bearer_token=token,
        basic_auth=basic,
        insecure=spec.insecure,
    )
    return PrometheusClient(settings)


def _unix(at: datetime) -> str:
    if at.tzinfo is None:
        raise ValueError("evaluation times must be timezone-aware")
    return f"{at.timestamp():.3f}"


def _display(address: str) -> str:
    parts = urlsplit(address)
    host = parts.hostname or ""
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "<invalid URL>"
    return f"{parts.scheme}://{host}{port}{parts.path.rstrip('/')}" if host else "<invalid URL>"


def _why(exc: Exception) -> str:
    """A reason without the exception's text, which can carry the URL and the query."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and len(chain) < 10:
        chain.append(current)
        current = current.__cause__ or current.__context__
    text = " ".join(type(e).__name__ + " " + str(e) for e in chain)
    if isinstance(exc, requests.exceptions.SSLError):
        return "failed the TLS handshake or certificate verification"
    if "ConnectionRefused" in text or "Connection refused" in text:
        return "refused the connection"
    if "NameResolution" in text or "Name or service not known" in text:
        return "cannot be resolved (DNS)"
    if isinstance(exc, requests.ConnectionError):
        return "is unreachable (connection failed)"
    return f"request failed ({type(exc).__name__})"
