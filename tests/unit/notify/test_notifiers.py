"""Notifiers against a loopback Slack: status checks, retries, timeouts, redirects, SSRF."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

from rollout_engine.errors import NotifyError, SpecError
from rollout_engine.notify import (
    NOTIFIERS,
    DestinationPolicy,
    Notifier,
    NotifyConfig,
    NullNotifier,
    RolloutEvent,
    SlackNotifier,
    WebhookNotifier,
    build_event,
    build_notifier,
    targets_for,
)
from tests.fakes.slack import Answer, SlackReceiver, problems
from tests.unit.notify.builders import IMAGE, NOW, make_rollout, make_run
from tests.unit.notify.conftest import config_for

LABEL = "slack webhook for subscription #0"


@pytest.fixture
def event() -> RolloutEvent:
    return build_event(
        make_rollout(step=3),
        event_type="analysis-failed",
        now=NOW,
        run=make_run(),
        candidate_image=IMAGE,
    )


def _slack(receiver: SlackReceiver, config: NotifyConfig, url: str | None = None) -> SlackNotifier:
    return SlackNotifier(url or receiver.url(), label=LABEL, channel="#deploys", config=config)


def _fails(notifier: Notifier, event: RolloutEvent) -> NotifyError:
    with pytest.raises(NotifyError) as info:
        notifier.send(event=event)
    return info.value


def test_a_verdict_is_posted_as_json_that_slack_accepts(
    receiver: SlackReceiver, config: NotifyConfig, event: RolloutEvent
) -> None:
    _slack(receiver, config).send(event=event)
    (request,) = receiver.requests
    assert (request.method, request.path, request.answered) == (
        "POST",
        "/services/T000/B000/XXXXXXXX",
        200,
    )
    assert request.headers["Content-Type"] == "application/json;charset=utf-8"
    assert "Python" in request.headers["User-Agent"]
    assert request.problems == () and problems(request.json) == []
    assert request.json["channel"] == "#deploys"
    assert request.json["blocks"][0]["text"]["text"] == ":x: shop/web: analysis failed"


def test_400_invalid_blocks_is_permanent_and_not_retried(
    receiver: SlackReceiver, config: NotifyConfig, event: RolloutEvent
) -> None:
    receiver.script(Answer(400, "invalid_blocks"))
    error = _fails(_slack(receiver, config), event)
    assert str(error) == f"{LABEL} answered 400 (invalid_blocks)"
    assert error.permanent and len(receiver.requests) == 1


def test_404_is_permanent_and_names_the_subscription_not_the_url(
    receiver: SlackReceiver, config: NotifyConfig, event: RolloutEvent
) -> None:
    receiver.script(Answer(404, "no_service"))
    error = _fails(_slack(receiver, config), event)
    assert str(error) == f"{LABEL} answered 404 (no_service)"
    assert receiver.host_port not in str(error)


def test_500_is_retried_in_the_call_then_raised_as_retryable(
    receiver: SlackReceiver, config: NotifyConfig, event: RolloutEvent
) -> None:
    receiver.script(Answer(500, "oops"), Answer(500, "oops"))
    error = _fails(_slack(receiver, config), event)
    assert str(error) == f"{LABEL} answered 500 (oops)"
    assert not error.permanent and len(receiver.requests) == 2


def test_a_503_then_200_is_delivered(
    receiver: SlackReceiver, config: NotifyConfig, event: RolloutEvent
) -> None:
    receiver.script(Answer(503, "busy"))
    _slack(receiver, config).send(event=event)
    assert [r.answered for r in receiver.requests] == [503, 200]


def test_429_waits_for_retry_after_then_delivers(
    receiver: SlackReceiver, config: NotifyConfig, event: RolloutEvent
) -> None:
    receiver.script(Answer.rate_limited(1))
    started = time.monotonic()
    _slack(receiver, config).send(event=event)
    assert time.monotonic() - started >= 1.0
    assert [r.answered for r in receiver.requests] == [429, 200]


def test_a_long_retry_after_is_handed_to_the_outbox_not_slept_on(
    receiver: SlackReceiver, config: NotifyConfig, event: RolloutEvent
) -> None:
    receiver.script(Answer.rate_limited(60))
    started = time.monotonic()
    error = _fails(_slack(receiver, config), event)
    assert time.monotonic() - started < 5
    assert (error.retry_after, error.permanent) == (60, False)
    assert str(error) == f"{LABEL} answered 429 (rate_limited)"
    assert len(receiver.requests) == 1


def test_a_retry_after_date_is_left_to_the_outbox(
    receiver: SlackReceiver, config: NotifyConfig, event: RolloutEvent
) -> None:
    receiver.script(Answer(429, "", {"Retry-After": "Fri, 14 Mar 2025 09:30:00 GMT"}))
    error = _fails(_slack(receiver, config), event)
    assert str(error) == f"{LABEL} answered 429 (rate limited)"
    assert (error.retry_after, error.permanent, len(receiver.requests)) == (None, False, 1)


def test_a_hanging_webhook_times_out(receiver: SlackReceiver, event: RolloutEvent) -> None:
    config = config_for(receiver, timeout_seconds=0.5)
    receiver.script(Answer(hang=10))
    started = time.monotonic()
    error = _fails(_slack(receiver, config), event)
    assert time.monotonic() - started < 3
    assert str(error) == f"{LABEL} timed out after 0.5s" and not error.permanent


def test_a_closed_port_is_a_retryable_connection_error(event: RolloutEvent) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = NotifyConfig(
        destinations=DestinationPolicy(allowed_hosts=frozenset({f"127.0.0.1:{port}"})),
        in_call_retries=0,
    )
    notifier = SlackNotifier(f"http://127.0.0.1:{port}/services/x", label=LABEL, config=config)
    error = _fails(notifier, event)
    assert str(error) == f"{LABEL} could not be reached (Connection refused)"
    assert not error.permanent


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_redirects_are_never_followed(
    receiver: SlackReceiver, config: NotifyConfig, event: RolloutEvent, status: int
) -> None:
    with SlackReceiver() as elsewhere:
        receiver.script(Answer.redirect(elsewhere.url("/latest/meta-data/"), status))
        error = _fails(_slack(receiver, config), event)
        assert str(error) == f"{LABEL} answered {status}: redirects are not followed"
        assert error.permanent
        assert elsewhere.arrived == 0 and len(receiver.requests) == 1


def test_the_metadata_address_is_refused_before_any_connection(event: RolloutEvent) -> None:
    notifier = SlackNotifier(
        "http://169.254.169.254/latest/meta-data/iam", label=LABEL, config=NotifyConfig()
    )
    error = _fails(notifier, event)
    assert "destination address 169.254.169.254 is link-local (cloud metadata)" in str(error)
    assert error.permanent


def test_another_loopback_port_is_not_the_allowlisted_receiver(
    receiver: SlackReceiver, config: NotifyConfig, event: RolloutEvent
) -> None:
    with SlackReceiver() as other:
        error = _fails(_slack(receiver, config, url=other.url()), event)
        assert "not allowlisted" in str(error) and other.arrived == 0


def test_the_connected_address_is_checked_again_against_dns_rebinding(
    receiver: SlackReceiver, event: RolloutEvent
) -> None:
    def lying_resolver(host: str, port: int) -> Sequence[str]:
        return ["34.226.36.48"]  # public at check time; the socket then reaches 127.0.0.1

    config = NotifyConfig(destinations=DestinationPolicy(resolver=lying_resolver))
    port = receiver.host_port.split(":")[1]
    error = _fails(_slack(receiver, config, url=f"http://localhost:{port}/services/x"), event)
    assert "destination address 127.0.0.1 is loopback or private" in str(error)
    assert error.permanent and receiver.arrived == 0


def test_the_generic_webhook_posts_the_event_as_camel_case_json(
    receiver: SlackReceiver, config: NotifyConfig, event: RolloutEvent
) -> None:
    url = receiver.url("/hooks/deploys?token=abc")
    WebhookNotifier(url, label="webhook for subscription #1", config=config).send(event=event)
    (request,) = receiver.requests
    assert request.path == "/hooks/deploys?token=abc"
    body = request.json
    assert body["text"].startswith("shop/web: analysis failed at step 4/7. error-ratio:")
    assert body["event"]["type"] == "analysis-failed"
    assert body["event"]["nextAction"].startswith("rolling back")
    assert body["event"]["metrics"][0]["limit"] == "candidate/stable ≤ 1.2"
    assert RolloutEvent.model_validate(body["event"]) == event


def test_the_registry_builds_by_type_and_refuses_unknown_types(config: NotifyConfig) -> None:
    assert set(NOTIFIERS) == {"slack", "webhook"}
    (target,) = targets_for(make_rollout(), config)
    notifier = build_notifier(target, url="https://hooks.slack.com/services/x", config=config)
    assert isinstance(notifier, SlackNotifier)
    assert repr(notifier) == "SlackNotifier(slack webhook for subscription #0)"
    from dataclasses import replace

    with pytest.raises(SpecError) as info:
        build_notifier(replace(target, type="teams"), url="https://x", config=config)
    assert info.value.path == "spec.notifications[0].type"
    assert "unknown notification type 'teams' (known: slack, webhook)" in str(info.value)


def test_the_null_notifier_sends_nothing(event: RolloutEvent) -> None:
    with SlackReceiver() as nobody:
        notifier: Notifier = NullNotifier()
        notifier.send(event=event)
        assert nobody.arrived == 0


@pytest.fixture(scope="module")
def self_signed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A throwaway certificate for localhost that no trust store knows."""
    tmp = tmp_path_factory.mktemp("tls")
    cert, key = tmp / "cert.pem", tmp / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def test_https_verifies_the_certificate(
    self_signed: tuple[Path, Path], event: RolloutEvent
) -> None:
    with SlackReceiver(tls=self_signed) as tls:
        config = config_for(tls)
        error = _fails(_slack(tls, config), event)
        assert str(error) == f"{LABEL} failed TLS (CERTIFICATE_VERIFY_FAILED)"
        assert tls.arrived == 0


def test_https_connections_are_address_checked_too(
    self_signed: tuple[Path, Path], event: RolloutEvent
) -> None:
    with SlackReceiver(tls=self_signed) as tls:
        config = NotifyConfig(
            destinations=DestinationPolicy(resolver=lambda h, p: ["34.226.36.48"])
        )
        port = tls.host_port.split(":")[1]
        error = _fails(_slack(tls, config, url=f"https://localhost:{port}/services/x"), event)
        assert "destination address 127.0.0.1 is loopback or private" in str(error)
        assert error.permanent
