"""What Slack checks before it accepts a webhook payload, as far as our messages go.

The receiver answers ``400 invalid_blocks`` when a check fails, as Slack
does, so a message that breaks Slack's limits fails the tests the way it
would fail in production. Limits: https://api.slack.com/reference/block-kit
(header 150, section text 3000, 10 fields of 2000, context 10 elements,
50 blocks).
"""

from __future__ import annotations

from typing import Any

__all__ = ["KNOWN_BLOCKS", "problems"]

KNOWN_BLOCKS = frozenset({"header", "section", "divider", "context", "actions", "image"})
_TOP_LEVEL = frozenset(
    {"text", "blocks", "attachments", "channel", "username", "icon_emoji", "icon_url", "mrkdwn"}
)
_TEXT_TYPES = frozenset({"plain_text", "mrkdwn"})


def problems(payload: Any) -> list[str]:
    """Everything wrong with ``payload``; empty when Slack would accept it."""
    if not isinstance(payload, dict):
        return ["the body is not a JSON object"]
    out = [f"unknown top-level key {k!r}" for k in payload if k not in _TOP_LEVEL]
    text = payload.get("text")
    if not isinstance(text, str) or not text.strip():
        out.append("no text fallback")
    blocks = payload.get("blocks", [])
    if not isinstance(blocks, list):
        return [*out, "blocks is not a list"]
    if len(blocks) > 50:
        out.append(f"{len(blocks)} blocks (max 50)")
    for i, block in enumerate(blocks):
        out += [f"blocks[{i}]: {p}" for p in _block(block)]
    return out


def _text(obj: Any, *, limit: int, kinds: frozenset[str] = _TEXT_TYPES) -> list[str]:
    if not isinstance(obj, dict) or obj.get("type") not in kinds:
        return [f"text object of type {obj.get('type') if isinstance(obj, dict) else obj!r}"]
    text = obj.get("text")
    if not isinstance(text, str) or not text:
        return ["empty text"]
    return [f"text of {len(text)} characters (max {limit})"] if len(text) > limit else []


def _block(block: Any) -> list[str]:
    kind = block.get("type") if isinstance(block, dict) else None
    if kind not in KNOWN_BLOCKS:
        return [f"unknown block type {kind!r}"]
    if kind == "header":
        return _text(block.get("text"), limit=150, kinds=frozenset({"plain_text"}))
    if kind == "section":
        return _section(block)
    if kind == "context":
        elements = block.get("elements")
        if not isinstance(elements, list) or not 1 <= len(elements) <= 10:
            return ["context needs 1 to 10 elements"]
        return [p for e in elements for p in _text(e, limit=3000)]
    return []


def _section(block: dict[str, Any]) -> list[str]:
    if "text" not in block and "fields" not in block:
        return ["section without text or fields"]
    out = _text(block["text"], limit=3000) if "text" in block else []
    fields = block.get("fields", [])
    if not isinstance(fields, list) or len(fields) > 10:
        out.append("fields is not a list of at most 10")
    else:
        out += [p for f in fields for p in _text(f, limit=2000)]
    return out
