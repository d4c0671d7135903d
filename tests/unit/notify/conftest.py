"""Fixtures for notify tests: the loopback Slack receiver and a config that may reach it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from rollout_engine.notify import DestinationPolicy, NotifyConfig, RetryPolicy
from tests.fakes.slack import SlackReceiver


@pytest.fixture
def receiver() -> Iterator[SlackReceiver]:
    with SlackReceiver() as server:
        yield server


def config_for(receiver: SlackReceiver, **overrides: object) -> NotifyConfig:
    """Only the receiver's exact host:port is allowed (T18): other loopback ports are not."""
    settings: dict[str, object] = {
        "destinations": DestinationPolicy(allowed_hosts=frozenset({receiver.host_port})),
        "timeout_seconds": 2.0,
        "in_call_retries": 1,
        "max_retry_after_seconds": 2,
        "retry": RetryPolicy(max_attempts=3),
    }
    settings.update(overrides)
    return NotifyConfig(**settings)  # type: ignore[arg-type]


@pytest.fixture
def config(receiver: SlackReceiver) -> NotifyConfig:
    return config_for(receiver)
