"""The Block Kit message: shape Slack accepts, evidence shown, user text defused, limits kept."""

from __future__ import annotations

import json
import os
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rollout_engine.api.notifications import NOTIFICATION_EVENTS
from rollout_engine.notify import build_event, escape, slack_message
from rollout_engine.notify.slack_message import MAX_METRIC_BLOCKS, TRUNCATED, fit
from tests.fakes.slack import KNOWN_BLOCKS, problems
from tests.paths import DATA
from tests.unit.notify.builders import IMAGE, NOW, make_rollout, make_run

INJECTIONS = ["<!channel>", "<!here>", "<@U123>", "<http://evil.example|click>", "&lt;!channel&gt;"]
RAW_MARKUP = re.compile(r"<[!@#]|<https?:")


def _texts(body: dict[str, object]) -> list[str]:
    """Every string Slack would render from ``body``."""
    out: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("text"), str):
                out.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(body)
    return out


@pytest.mark.parametrize("event_type", NOTIFICATION_EVENTS)
def test_every_event_type_makes_a_payload_slack_accepts(event_type: str) -> None:
    run = make_run() if event_type.startswith("analysis") else None
    event = build_event(
        make_rollout(step=3), event_type=event_type, now=NOW, run=run, candidate_image=IMAGE
    )
    body = slack_message(event, channel="#deploys")
    assert problems(body) == []
    assert body["text"].startswith("shop/web: ")
    assert body["channel"] == "#deploys"
    header = body["blocks"][0]
    assert header["type"] == "header" and "shop/web" in header["text"]["text"]
    assert {b["type"] for b in body["blocks"]} <= KNOWN_BLOCKS
    rendered = "\n".join(_texts(body))
    assert "*Step*\n4/7" in rendered and "canary 20% · stable 80%" in rendered
    assert f"`{IMAGE}`" in rendered
    assert "*Next:*" in rendered


def test_a_failed_verdict_shows_the_metric_table_reason_and_next_action() -> None:
    event = build_event(make_rollout(step=3), event_type="analysis-failed", now=NOW, run=make_run())
    body = slack_message(event)
    header = body["blocks"][0]["text"]["text"]
    assert header == ":x: shop/web: analysis failed"
    rendered = "\n".join(_texts(body))
    assert "❌ *error-ratio* — Failed" in rendered
    assert "value ratio 2.41 (95% CI 1.83 – 3.12) · allowed: candidate/stable ≤ 1.2" in rendered
    assert "✅ *p99-latency* — Successful" in rendered
    assert "allowed: passes if result[0] &lt; 0.25" in rendered
    assert "*Why:* error-ratio: candidate errors are 2.4× stable" in rendered
    assert "`kubectl rollout-engine retry web -n shop`" in body["text"]


@pytest.mark.parametrize("payload", INJECTIONS)
def test_mentions_and_links_in_user_strings_arrive_escaped(payload: str) -> None:
    run = make_run(metric=f"m{len(payload)}", message=f"bad {payload} value")
    event = build_event(
        make_rollout(),
        event_type="analysis-failed",
        now=NOW,
        run=run,
        candidate_image=f"img:{payload}",
        reason=f"because {payload}",
        next_action=f"call {payload}",
    )
    body = slack_message(event)
    wire = json.dumps(body)
    assert not RAW_MARKUP.search(wire)
    assert escape(payload) in body["text"]
    assert problems(body) == []


def test_a_metric_name_cannot_inject_a_mention() -> None:
    event = build_event(make_rollout(), event_type="analysis-failed", now=NOW, run=make_run())
    row = event.metrics[0].model_copy(update={"name": "<!channel> errors"})
    body = slack_message(event.model_copy(update={"metrics": (row,)}))
    assert "&lt;!channel&gt; errors" in json.dumps(body)
    assert "<!channel>" not in json.dumps(body)


def test_oversized_inputs_are_cut_with_a_visible_marker_within_slack_limits() -> None:
    run = make_run(message="x" * 5000, extra_metrics=40)
    event = build_event(
        make_rollout(name="w" * 200),
        event_type="analysis-failed",
        now=NOW,
        run=run,
        reason="r" * 5000,
        candidate_image="i" * 5000,
    )
    body = slack_message(event)
    assert problems(body) == []
    assert len(body["blocks"]) <= 50
    assert len(body["blocks"][0]["text"]["text"]) <= 150
    rendered = "\n".join(_texts(body))
    assert "… and 22 more metrics (truncated)" in rendered  # 42 metrics, 20 shown
    metric_blocks = [
        b for b in body["blocks"] if re.match("[❌✅]", b.get("text", {}).get("text", ""))
    ]
    assert len(metric_blocks) == MAX_METRIC_BLOCKS
    assert "r" * 998 + "…" in body["text"]  # the event keeps 1000 characters of a reason
    assert len(body["text"]) <= 3000
    image_field = body["blocks"][1]["fields"][3]["text"]
    assert image_field.startswith("*Candidate image*") and image_field.endswith("…`")


@settings(deadline=None)
@given(st.text(alphabet="a&<>;!@ ", max_size=400), st.integers(min_value=20, max_value=300))
def test_fit_escapes_stays_within_the_limit_and_never_splits_an_entity(
    text: str, limit: int
) -> None:
    out = fit(text, limit)
    assert len(out) <= limit
    assert "<" not in out and ">" not in out
    body = out.removesuffix(TRUNCATED)
    assert re.fullmatch(r"([^&]|&amp;|&lt;|&gt;)*", body)


def test_escape_is_exactly_slacks_three_characters() -> None:
    assert escape("a & <b> 'c' \"d\" *e*") == "a &amp; &lt;b&gt; 'c' \"d\" *e*"


GOLDEN = DATA / "notify" / "slack-analysis-failed.json"


def test_the_failed_verdict_payload_matches_the_golden_file_the_readme_shows() -> None:
    """Regenerate with ``UPDATE_GOLDEN=1`` after a deliberate change to the message."""
    event = build_event(
        make_rollout(step=3),
        event_type="analysis-failed",
        now=NOW,
        run=make_run(),
        candidate_image=IMAGE,
    )
    body = json.dumps(slack_message(event, channel="#deploys"), indent=2, ensure_ascii=False) + "\n"
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.write_text(body)
    assert body == GOLDEN.read_text()
