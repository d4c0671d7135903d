"""Settings fail at start-up with a precise message, not at the first verdict."""

from __future__ import annotations

from datetime import timedelta

import pytest

from rollout_engine.notify import NotifyConfig, RetryPolicy


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: RetryPolicy(max_attempts=0), "max_attempts must be at least 1 (got 0)"),
        (lambda: RetryPolicy(backoff_base=timedelta(0)), "backoff_base must be positive"),
        (lambda: RetryPolicy(claim=timedelta(0)), "claim must be positive"),
        (lambda: NotifyConfig(timeout_seconds=0), "timeout_seconds must be in (0, 120] (got 0)"),
        (lambda: NotifyConfig(workers=0), "workers and queue_size must be at least 1"),
        (
            lambda: NotifyConfig(retry=RetryPolicy(claim=timedelta(seconds=30))),
            "retry.claim (30s) must outlast the longest send (94s)",
        ),
    ],
)
def test_bad_settings_are_refused_early(build: object, message: str) -> None:
    with pytest.raises(ValueError) as info:
        build()  # type: ignore[operator]
    assert message in str(info.value)


def test_the_defaults_are_consistent() -> None:
    config = NotifyConfig()
    assert config.longest_send_seconds == 94
    assert config.retry.claim > timedelta(seconds=config.longest_send_seconds)
    assert config.destinations.allowed_hosts == frozenset()
    assert not config.destinations.allow_private
