"""Events built from a Rollout and its AnalysisRun carry the evidence, not just a verdict."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from rollout_engine.api import Rollout
from rollout_engine.api.notifications import NOTIFICATION_EVENTS
from rollout_engine.errors import SpecError
from rollout_engine.notify import RolloutEvent, build_event
from rollout_engine.notify.events import SEVERITY, default_next_action, step_label
from rollout_engine.notify.evidence import MAX_METRIC_ROWS, clip
from tests.unit.notify.builders import IMAGE, NOW, REVISION, UID, make_rollout, make_run


def test_a_failed_verdict_carries_each_metric_with_value_bound_limit_and_reason() -> None:
    event = build_event(
        make_rollout(step=3),
        event_type="analysis-failed",
        now=NOW,
        run=make_run(),
        candidate_image=IMAGE,
    )
    assert (event.rollout, event.namespace, event.uid, event.revision) == (
        "web",
        "shop",
        UID,
        REVISION,
    )
    assert (event.severity, event.verdict, event.strategy) == ("error", "Failed", "canary")
    assert (event.step_index, event.step_count, step_label(event)) == (3, 7, "4/7")
    assert event.weights is not None and event.weights.canary == 20
    assert event.candidate_image == IMAGE
    first, second = event.metrics
    assert first.name == "error-ratio" and first.verdict == "Failed"
    assert first.value == "ratio 2.41 (95% CI 1.83 – 3.12)"
    assert first.limit == "candidate/stable ≤ 1.2"
    assert first.reason is not None and "above the allowed 1.2×" in first.reason
    assert (second.name, second.value, second.limit) == (
        "p99-latency",
        "0.182",
        "passes if result[0] < 0.25",
    )
    assert event.reason.startswith("error-ratio: candidate errors are 2.4× stable")
    assert event.next_action.startswith("rolling back")
    assert "`kubectl rollout-engine retry web -n shop`" in event.next_action


def test_failing_metrics_come_first_whatever_their_order_in_the_run() -> None:
    run = make_run()
    assert run.status is not None
    reordered = run.model_copy(
        update={
            "status": run.status.model_copy(
                update={"metric_results": list(reversed(run.status.metric_results))}
            )
        }
    )
    event = build_event(make_rollout(), event_type="analysis-failed", now=NOW, run=reordered)
    assert [m.name for m in event.metrics] == ["error-ratio", "p99-latency"]


def test_the_run_message_and_an_explicit_reason_take_precedence() -> None:
    run = make_run(run_message="error-ratio breached its limit at 4 of 4 looks")
    event = build_event(make_rollout(), event_type="analysis-failed", now=NOW, run=run)
    assert event.reason == "error-ratio breached its limit at 4 of 4 looks"
    event = build_event(
        make_rollout(), event_type="analysis-failed", now=NOW, run=run, reason="Custom."
    )
    assert event.reason == "Custom."


@pytest.mark.parametrize("event_type", NOTIFICATION_EVENTS)
def test_every_event_type_builds_with_its_severity_and_a_next_action(event_type: str) -> None:
    run = make_run(phase="Successful") if event_type.startswith("analysis") else None
    event = build_event(make_rollout(), event_type=event_type, now=NOW, run=run)
    assert event.type == event_type
    assert event.severity == SEVERITY[event_type]
    assert event.next_action == default_next_action(event_type, rollout="web", namespace="shop")
    assert event.reason


def test_paused_tells_how_to_continue() -> None:
    text = default_next_action("rollout-paused", rollout="web", namespace="shop")
    assert text == (
        "paused — run `kubectl rollout-engine promote web -n shop` to continue, "
        "or `kubectl rollout-engine abort web -n shop` to roll back"
    )


def test_many_metrics_are_capped_and_counted() -> None:
    run = make_run(extra_metrics=40)
    event = build_event(make_rollout(), event_type="analysis-failed", now=NOW, run=run)
    assert len(event.metrics) == MAX_METRIC_ROWS
    assert event.omitted_metrics == 42 - MAX_METRIC_ROWS


def test_a_rollout_without_uid_or_revision_cannot_be_keyed() -> None:
    rollout = make_rollout()
    no_uid = rollout.model_copy(
        update={"metadata": rollout.metadata.model_copy(update={"uid": None})}
    )
    with pytest.raises(SpecError) as info:
        build_event(no_uid, event_type="rollout-paused", now=NOW)
    assert info.value.path == "metadata.uid"
    bare = Rollout.model_validate({**rollout.model_dump(by_alias=True), "status": None})
    with pytest.raises(SpecError):
        build_event(bare, event_type="rollout-paused", now=NOW)


def test_long_user_text_is_clipped_to_one_line() -> None:
    assert clip("a\nb   c", 10) == "a b c"
    assert clip("x" * 50, 10) == "x" * 9 + "…"
    event = build_event(make_rollout(), event_type="rollout-paused", now=NOW, reason="y" * 5000)
    assert len(event.reason) == 1000 and event.reason.endswith("…")


def test_the_event_round_trips_through_json_as_the_outbox_stores_it() -> None:
    event = build_event(make_rollout(), event_type="analysis-failed", now=NOW, run=make_run())
    again = RolloutEvent.model_validate_json(event.model_dump_json(by_alias=True))
    assert again == event


def test_names_that_are_not_dns_names_are_refused() -> None:
    event = build_event(make_rollout(), event_type="rollout-paused", now=NOW)
    with pytest.raises(ValidationError):
        RolloutEvent.model_validate({**event.model_dump(), "rollout": "<!channel>"})


def test_limits_read_for_each_kind_of_metric() -> None:
    from rollout_engine.api import Metric
    from rollout_engine.notify.evidence import _limit

    side = {"query": "a"}
    prom = {"prometheus": {"query": "q"}}
    either = Metric.model_validate(
        {
            "name": "m",
            "provider": prom,
            "comparison": {
                "direction": "either",
                "candidate": side,
                "stable": side,
                "effectSize": {"allowedDecrease": 0.8, "measure": "cles"},
                "critical": True,
            },
        }
    )
    assert _limit(either) == "no significant increase and CLES ≥ 0.8 (critical)"
    both = Metric.model_validate(
        {"name": "t", "provider": prom, "successCondition": "a", "failureCondition": "b"}
    )
    assert _limit(both) == "passes if a; fails if b"
    assert _limit(None) is None
