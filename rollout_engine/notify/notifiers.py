"""Notifiers: the ``Notifier`` seam, its Slack, webhook and null implementations, the registry.

``send`` delivers one event or raises ``NotifyError`` (``permanent`` when a
retry cannot help). It never returns a partial success, never logs or raises
with the URL (the URL is registered with the redacting filter on arrival),
and never sleeps longer than a short Retry-After: long waits are the
outbox's job, so a worker is not held hostage by one webhook.

The registry maps a subscription's ``type`` to a factory. An unknown type is
a ``SpecError`` naming the field, never a silent fallback (Flagger's unknown
provider quietly becomes Prometheus; ours does not).
"""

from __future__ import annotations

import ssl
import urllib.error
from typing import Any, ClassVar, Protocol

from rollout_engine.errors import NotifyError, SpecError
from rollout_engine.notify.config import NotifyConfig
from rollout_engine.notify.events import RolloutEvent
from rollout_engine.notify.redact import REDACTOR
from rollout_engine.notify.routing import Target
from rollout_engine.notify.slack_message import fallback_text, slack_message
from rollout_engine.notify.transport import (
    DestinationRefused,
    GuardedWebhookClient,
    check_response,
    retry_handlers,
)

__all__ = [
    "NOTIFIERS",
    "Notifier",
    "NotifierFactory",
    "NullNotifier",
    "SlackNotifier",
    "WebhookNotifier",
    "build_notifier",
]


class Notifier(Protocol):
    """Delivers one event to one destination."""

    def send(self, *, event: RolloutEvent) -> None:
        """Deliver ``event`` or raise ``NotifyError``."""


class NotifierFactory(Protocol):
    """Builds a notifier for one subscription from its resolved URL."""

    def __call__(
        self, url: str, *, label: str, channel: str | None, config: NotifyConfig
    ) -> Notifier: ...


class NullNotifier:
    """Sends nothing: notifications switched off, or a dry run."""

    def send(self, *, event: RolloutEvent) -> None:
        """Accept and drop ``event``."""


class _WebhookBase:
    """POST one JSON body through the guarded client and check the answer."""

    kind: ClassVar[str] = "webhook"

    def __init__(
        self, url: str, *, label: str, channel: str | None = None, config: NotifyConfig
    ) -> None:
        REDACTOR.add(url)
        self._url, self._label, self._channel, self._config = url, label, channel, config

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._label})"  # NB: never the URL

    def body(self, event: RolloutEvent) -> dict[str, Any]:
        """The JSON document to post."""
        raise NotImplementedError

    def send(self, *, event: RolloutEvent) -> None:
        """Check the destination, post once (with in-call retries), check the status."""
        config = self._config
        destination = config.destinations.check_url(self._url, label=self._label)
        client = GuardedWebhookClient(
            self._url,
            destination=destination,
            policy=config.destinations,
            label=self._label,
            timeout=config.timeout_seconds,
            handlers=retry_handlers(
                retries=config.in_call_retries, max_wait=config.max_retry_after_seconds
            ),
        )
        failure: NotifyError | None = None
        try:
            response = client.send_dict(self.body(event))
        except DestinationRefused as err:
            failure = err.error
        except Exception as err:  # NB: every transport failure becomes NotifyError
            failure = NotifyError(REDACTOR.scrub(_describe(err, self._label, config)))
        if failure is not None:
            raise failure  # NB: outside the handler, so no chained cause can carry the URL
        check_response(response, label=self._label)


class SlackNotifier(_WebhookBase):
    """Slack incoming webhook: Block Kit blocks plus the plain ``text`` fallback."""

    kind = "slack"

    def body(self, event: RolloutEvent) -> dict[str, Any]:
        """``{"text", "blocks"[, "channel"]}``."""
        return slack_message(event, channel=self._channel)


class WebhookNotifier(_WebhookBase):
    """A generic JSON webhook: the whole event (camelCase) plus a one-line ``text``."""

    kind = "webhook"

    def body(self, event: RolloutEvent) -> dict[str, Any]:
        """``{"text", "event"[, "channel"]}``; values are data, not markup, so unescaped."""
        out: dict[str, Any] = {
            "text": " ".join(fallback_text(event, markup=False).split()),
            "event": event.model_dump(mode="json", by_alias=True, exclude_none=True),
        }
        if self._channel:
            out["channel"] = self._channel
        return out


NOTIFIERS: dict[str, NotifierFactory] = {"slack": SlackNotifier, "webhook": WebhookNotifier}
"""Subscription ``type`` → factory. Add a type here and to the API's SUPPORTED_TARGETS."""


def build_notifier(target: Target, *, url: str, config: NotifyConfig) -> Notifier:
    """The notifier for ``target``, posting to ``url`` (read from its Secret by the caller).

    Raises:
        SpecError: the subscription's type is not in ``NOTIFIERS``.
    """
    factory = NOTIFIERS.get(target.type)
    if factory is None:
        raise SpecError(
            f"unknown notification type {target.type!r} (known: {', '.join(sorted(NOTIFIERS))})",
            path=f"{target.path}.type",
        )
    label = f"{target.type} webhook for {target.label}"
    return factory(url, label=label, channel=target.channel, config=config)


def _describe(err: BaseException, label: str, config: NotifyConfig) -> str:
    """A URL-free sentence for a transport failure: type, errno text, TLS reason."""
    reason: object = err.reason if isinstance(err, urllib.error.URLError) else err
    if isinstance(reason, TimeoutError):
        return f"{label} timed out after {config.timeout_seconds:g}s"
    if isinstance(reason, ssl.SSLError):
        return f"{label} failed TLS ({reason.reason or 'handshake error'})"
    if isinstance(reason, OSError) and reason.strerror:
        return f"{label} could not be reached ({reason.strerror})"
    return f"{label} could not be reached ({type(reason).__name__})"
