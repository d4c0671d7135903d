"""The Slack capture server rejects what Slack would, so passing tests mean something."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from tests.fakes.slack import SlackReceiver, problems

GOOD = {"text": "hi", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "x"}}]}


@pytest.mark.parametrize(
    ("payload", "problem"),
    [
        ({"blocks": []}, "no text fallback"),
        ({"text": "x", "blocks": [{"type": "table"}]}, "unknown block type 'table'"),
        (
            {
                "text": "x",
                "blocks": [{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}],
            },
            "text of 151 characters (max 150)",
        ),
        (
            {"text": "x", "blocks": [{"type": "header", "text": {"type": "mrkdwn", "text": "h"}}]},
            "text object of type 'mrkdwn'",
        ),
        (
            {
                "text": "x",
                "blocks": [{"type": "section", "fields": [{"type": "mrkdwn", "text": "f"}] * 11}],
            },
            "fields is not a list of at most 10",
        ),
        ({"text": "x", "blocks": [{"type": "divider"}] * 51}, "51 blocks (max 50)"),
        ({"text": "x", "blocks": [{"type": "section"}]}, "section without text or fields"),
        ({"text": "x", "webhook_url": "y"}, "unknown top-level key 'webhook_url'"),
    ],
)
def test_shape_problems_are_found(payload: dict[str, object], problem: str) -> None:
    assert any(problem in p for p in problems(payload)), problems(payload)


def test_a_well_formed_payload_has_no_problems() -> None:
    assert problems(GOOD) == []


def test_the_receiver_answers_invalid_blocks_like_slack(receiver: SlackReceiver) -> None:
    def post(body: object) -> tuple[int, str]:
        request = urllib.request.Request(
            receiver.url(), data=json.dumps(body).encode(), method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as err:
            return err.code, err.read().decode()

    assert post(GOOD) == (200, "ok")
    assert post({"blocks": "nope"}) == (400, "invalid_blocks")
    assert receiver.requests[1].problems == ("no text fallback", "blocks is not a list")
