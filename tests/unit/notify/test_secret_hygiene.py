"""T17 for notify: a planted webhook token is in no log, exception, status, Event or message."""

from __future__ import annotations

import json
import logging
import socket
import traceback
import uuid
from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from prometheus_client import REGISTRY, generate_latest

from rollout_engine.api import SecretKeySelector, dump
from rollout_engine.errors import NotifyError
from rollout_engine.notify import (
    DestinationPolicy,
    Dispatcher,
    GaveUp,
    NotifyConfig,
    RetryPolicy,
    RolloutRef,
    SlackNotifier,
    build_event,
    record_event,
)
from tests.fakes.rollout_store import MemoryRolloutStore
from tests.fakes.slack import Answer, SlackReceiver
from tests.unit.notify.builders import NOW, make_rollout, make_run, subscription

TOKEN = f"PLANTED{uuid.uuid4().hex}"
REF = RolloutRef("shop", "web")


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _resolver(host: str, port: int) -> Sequence[str]:
    if host == "localhost":
        return ["127.0.0.1"]
    if host.endswith(".invalid"):
        raise OSError(-2, "Name or service not known")
    return ["34.226.36.48"]


def _scenarios(receiver: SlackReceiver) -> Iterator[tuple[str, str, Answer | None]]:
    """(name, URL holding the token, scripted answer)."""
    on_receiver = receiver.url(f"/services/T0/B0/{TOKEN}")
    yield "ok", on_receiver, None
    yield "404", on_receiver, Answer(404, f"no_service {TOKEN}")
    yield "429", on_receiver, Answer.rate_limited(120)
    yield "500", on_receiver, Answer(500, TOKEN)
    yield "timeout", on_receiver, Answer(hang=5)
    yield "redirect", on_receiver, Answer.redirect(f"http://169.254.169.254/{TOKEN}")
    yield "metadata", f"http://169.254.169.254/{TOKEN}", None
    yield "dns", f"https://nowhere.invalid/{TOKEN}", None
    yield "scheme", f"ftp://{receiver.host_port}/{TOKEN}", None
    yield "malformed", f"http://[::1/{TOKEN}", None
    yield "refused", f"http://localhost:{_closed_port()}/{TOKEN}", None
    yield "userinfo", f"https://{TOKEN}:x@hooks.example/x", None


def _config(receiver: SlackReceiver) -> NotifyConfig:
    return NotifyConfig(
        destinations=DestinationPolicy(
            allowed_hosts=frozenset({receiver.host_port}), allow_private=True, resolver=_resolver
        ),
        timeout_seconds=0.3,
        in_call_retries=1,
        max_retry_after_seconds=1,
        retry=RetryPolicy(max_attempts=1),
    )


def _chain(error: BaseException) -> str:
    text = "".join(traceback.format_exception(error))
    seen: BaseException | None = error
    while seen is not None:
        text += repr(seen) + repr(seen.args) + repr(vars(seen))
        seen = seen.__cause__ or seen.__context__
    return text


def test_the_token_appears_in_no_log_exception_status_event_metric_or_message(
    receiver: SlackReceiver, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    config = _config(receiver)
    event = build_event(make_rollout(), event_type="analysis-failed", now=NOW, run=make_run())
    leaks: list[str] = []
    gave_up: list[GaveUp] = []
    for name, url, answer in _scenarios(receiver):
        receiver.reset()
        if answer is not None:
            receiver.script(answer, answer)
        # 1. the notifier alone: the exception and everything it chains to
        try:
            SlackNotifier(url, label="slack webhook for subscription #0", config=config).send(
                event=event
            )
        except NotifyError as error:
            if TOKEN in _chain(error):
                leaks.append(f"{name}: exception")
            assert error.__cause__ is None and error.__context__ is None, name
        receiver.reset()
        # 2. through the outbox and the dispatcher: status, Events
        store = MemoryRolloutStore()
        rollout = make_rollout(notifications=[subscription(secret="hook")])
        status = record_event(rollout.status, event, rollout=rollout, config=config, now=NOW)  # type: ignore[arg-type]
        store.put(rollout.model_copy(update={"status": status}))

        def secret(namespace: str, ref: SecretKeySelector, url: str = url) -> str:
            return url + "\n"

        if answer is not None:
            receiver.script(answer, answer)
        Dispatcher(
            store=store,
            resolve_secret=secret,
            config=config,
            clock=lambda: NOW,
            on_gave_up=gave_up.append,
        ).process(REF)
        receiver.reset()
        statuses = [json.dumps(dump(s)) for s in store.writes]
        if any(TOKEN in s for s in statuses):
            leaks.append(f"{name}: status")
    # 3. Events, logs, metrics, and the messages Slack received
    if any(TOKEN in repr(g) for g in gave_up):
        leaks.append("Events")
    assert len(gave_up) >= 10  # every failure path produced its Event
    for record in caplog.records:
        if TOKEN in record.getMessage() or TOKEN in (record.exc_text or ""):
            leaks.append(f"log: {record.name}")
    if TOKEN in caplog.text:
        leaks.append("formatted log")
    if TOKEN in generate_latest(REGISTRY).decode():
        leaks.append("metrics")
    for request in receiver.requests:
        if TOKEN in request.raw.decode():
            leaks.append("message body")
    assert leaks == []
    # the filter really ran: slack_sdk's DEBUG line with the URL arrived, redacted
    sending = [r.getMessage() for r in caplog.records if "Sending a request" in r.getMessage()]
    assert sending and all("[redacted]" in m for m in sending)
    assert {r.answered for r in receiver.requests} >= {200, 404, 429, 500, 302}


def test_status_entries_carry_the_subscription_and_never_the_url(receiver: SlackReceiver) -> None:
    config = _config(receiver)
    rollout = make_rollout(notifications=[subscription(secret="hook")])
    event = build_event(rollout, event_type="rollout-paused", now=NOW)
    status = record_event(rollout.status, event, rollout=rollout, config=config, now=NOW)  # type: ignore[arg-type]
    wire: dict[str, Any] = dump(status)
    (entry,) = wire["outbox"]
    assert entry["target"] == "slack:hook/url@#deploys"
    assert set(entry) == {
        "key",
        "event",
        "recordedAt",
        "sent",
        "attempts",
        "target",
        "payload",
        "gaveUp",
    }
    assert "http" not in json.dumps(entry["payload"])
