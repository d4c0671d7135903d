"""Who hears about what: Flagger's severity semantics, opt-in step events, defaults."""

from __future__ import annotations

import pytest

from rollout_engine.api import NotificationSubscription
from rollout_engine.notify import NotifyConfig, build_event, route, targets_for
from tests.unit.notify.builders import NOW, make_rollout, subscription


def _event(event_type: str):  # type: ignore[no-untyped-def]
    return build_event(make_rollout(), event_type=event_type, now=NOW)


@pytest.mark.parametrize(
    ("threshold", "heard"),
    [
        ("info", {"analysis-successful", "rollout-paused", "analysis-failed"}),
        ("warn", {"rollout-paused", "analysis-failed"}),
        ("error", {"analysis-failed"}),
    ],
)
def test_severity_is_the_quietest_level_a_subscription_hears(
    threshold: str, heard: set[str]
) -> None:
    rollout = make_rollout(notifications=[subscription(severity=threshold)])
    targets = targets_for(rollout, NotifyConfig())
    sent = {
        t
        for t in ("analysis-successful", "rollout-paused", "analysis-failed")
        if route(_event(t), targets)
    }
    assert sent == heard


def test_step_completed_is_opt_in() -> None:
    default = targets_for(make_rollout(), NotifyConfig())
    assert route(_event("step-completed"), default) == ()
    opted = targets_for(
        make_rollout(notifications=[subscription(events=["step-completed"])]), NotifyConfig()
    )
    assert len(route(_event("step-completed"), opted)) == 1
    assert route(_event("analysis-failed"), opted) == ()


def test_controller_defaults_apply_only_to_rollouts_without_subscriptions() -> None:
    default = NotificationSubscription.model_validate(subscription(secret="team-hook"))
    config = NotifyConfig(defaults=(default,), defaults_namespace="rollout-engine")
    (own,) = targets_for(make_rollout(), config)
    assert (own.secret.name, own.secret_namespace, own.label) == (
        "slack-webhook",
        "shop",
        "subscription #0",
    )
    (fallback,) = targets_for(make_rollout(notifications=[]), config)
    assert (fallback.secret.name, fallback.secret_namespace, fallback.label) == (
        "team-hook",
        "rollout-engine",
        "default subscription #0",
    )
    assert fallback.id.startswith("default:")
    assert targets_for(make_rollout(notifications=[]), NotifyConfig()) == ()


def test_identical_destinations_collapse_and_ids_survive_reordering() -> None:
    a, b = subscription(channel="#a"), subscription(kind="webhook", secret="hook", channel=None)
    forward = targets_for(make_rollout(notifications=[a, b, dict(a)]), NotifyConfig())
    backward = targets_for(make_rollout(notifications=[b, a]), NotifyConfig())
    routed = route(_event("analysis-failed"), forward)
    assert [t.id for t in routed] == ["slack:slack-webhook/url@#a", "webhook:hook/url"]
    assert {t.id for t in backward} == {t.id for t in routed}
    assert [t.path for t in forward] == [f"spec.notifications[{i}]" for i in range(3)]
