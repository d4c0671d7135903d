"""A loopback Slack capture server and the payload checks Slack applies."""

from __future__ import annotations

from tests.fakes.slack.server import Answer, Captured, SlackReceiver
from tests.fakes.slack.validate import KNOWN_BLOCKS, problems

__all__ = ["KNOWN_BLOCKS", "Answer", "Captured", "SlackReceiver", "problems"]
