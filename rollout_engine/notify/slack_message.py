"""The Slack message for one event: Block Kit built with ``slack_sdk`` models, plus ``text``.

Layout: a header (rollout, namespace, verdict); one section of fields
(strategy, step i/n, weight, candidate image, revision, run); the reason in
one sentence; one section per metric (value or estimate with its bound, the
allowed limit, the verdict, why); the next action; a context line. ``text``
is always set: it is what notifications, screen readers and clients without
Block Kit show.

Everything that came from a user (names, messages, images, reasons) is
escaped for mrkdwn (``&`` ``<`` ``>``), so ``<!channel>``, ``<@U123>`` or
``<http://x|y>`` arrive as text, never as a mention or a link. Slack's
limits are kept by construction (header 150, section text 3000, field 2000,
10 fields, 50 blocks); whatever is cut shows a visible marker.
"""

from __future__ import annotations

from datetime import UTC
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from rollout_engine.notify.events import (
    MetricEvidence,
    RolloutEvent,
    step_label,
    title,
    weights_label,
)

__all__ = [
    "HEADER_MAX",
    "MAX_BLOCKS",
    "MAX_METRIC_BLOCKS",
    "TRUNCATED",
    "escape",
    "fallback_text",
    "fit",
    "slack_message",
]

HEADER_MAX, SECTION_MAX, FIELD_MAX, MAX_FIELDS, MAX_BLOCKS = 150, 3000, 2000, 10, 50
MAX_METRIC_BLOCKS = 20
TRUNCATED = "… (truncated)"
_ICONS = {"info": ":white_check_mark:", "warn": ":warning:", "error": ":x:"}
_VERDICT_ICONS = {"Successful": "✅", "Failed": "❌", "Error": "⛔", "Inconclusive": "⚠️"}


def escape(text: str) -> str:
    """Escape Slack's three control characters; nothing else is needed to defuse markup."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def fit(text: str, limit: int, *, markup: bool = True) -> str:
    """Escape ``text`` for mrkdwn (unless ``markup`` is off) and cut it to ``limit``.

    The cut shows ``TRUNCATED`` and never splits an entity such as ``&amp;``.
    """
    out = escape(text) if markup else text
    if len(out) <= limit:
        return out
    cut = out[: limit - len(TRUNCATED)]
    amp = cut.rfind("&", max(0, len(cut) - 5))
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    return cut + TRUNCATED


def slack_message(event: RolloutEvent, *, channel: str | None = None) -> dict[str, Any]:
    """The JSON body of the webhook POST: ``text``, ``blocks`` and optionally ``channel``."""
    blocks = [_header(event), _facts(event), _reason(event), DividerBlock()]
    blocks += _metrics(event)
    blocks += [_next(event), _context(event)]
    body: dict[str, Any] = {
        "text": fallback_text(event),
        "blocks": [b.to_dict() for b in blocks[:MAX_BLOCKS]],
    }
    if channel:
        body["channel"] = channel
    return body


def fallback_text(event: RolloutEvent, *, markup: bool = True) -> str:
    """One paragraph with the verdict, the reason and the next action (escaped for mrkdwn)."""
    step = step_label(event)
    where = f" at step {step}" if step else ""
    text = (
        f"{event.namespace}/{event.rollout}: {title(event)}{where}. "
        f"{_sentence(event.reason)} Next: {_sentence(event.next_action)}"
    )
    return fit(text, SECTION_MAX, markup=markup)


def _sentence(text: str) -> str:
    return text if text.endswith((".", "!", "?", "…")) else f"{text}."


def _header(event: RolloutEvent) -> HeaderBlock:
    text = f"{_ICONS[event.severity]} {event.namespace}/{event.rollout}: {title(event)}"
    # NB: plain_text is never parsed for mentions, and the names are DNS names (the
    # model validates them), so the header is cut but not escaped.
    if len(text) > HEADER_MAX:
        text = text[: HEADER_MAX - 1] + "…"
    return HeaderBlock(text=PlainTextObject(text=text, emoji=True))


def _facts(event: RolloutEvent) -> SectionBlock:
    facts = [
        ("Strategy", event.strategy),
        ("Step", step_label(event)),
        ("Weight", weights_label(event.weights)),
        ("Candidate image", f"`{event.candidate_image}`" if event.candidate_image else None),
        ("Verdict", event.verdict),
        ("Revision", f"`{event.revision}`"),
        ("Analysis run", event.run),
    ]
    fields = [
        MarkdownTextObject(text=f"*{name}*\n{fit(value, FIELD_MAX - len(name) - 3)}")
        for name, value in facts
        if value
    ]
    return SectionBlock(fields=fields[:MAX_FIELDS])


def _reason(event: RolloutEvent) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=f"*Why:* {fit(event.reason, 2900)}"))


def _metric(row: MetricEvidence) -> SectionBlock:
    icon = _VERDICT_ICONS.get(row.verdict, "•")
    dry = " (dry run)" if row.dry_run else ""
    lines = [f"{icon} *{fit(row.name, 300)}* — {row.verdict}{dry}"]
    measured = f"value {fit(row.value, 600)}" if row.value else "no value"
    lines.append(measured + (f" · allowed: {fit(row.limit, 600)}" if row.limit else ""))
    if row.reason:
        lines.append(f"_{fit(row.reason, 1000)}_")
    return SectionBlock(text=MarkdownTextObject(text="\n".join(lines)))


def _metrics(event: RolloutEvent) -> list[Block]:
    shown = list(event.metrics[:MAX_METRIC_BLOCKS])
    blocks: list[Block] = [_metric(row) for row in shown]
    hidden = len(event.metrics) - len(shown) + event.omitted_metrics
    if hidden:
        more = (
            f"… and {hidden} more metrics (truncated) — see "
            f"`kubectl rollout-engine get {event.rollout} -n {event.namespace}`"
        )
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=fit(more, SECTION_MAX))]))
    return blocks


def _next(event: RolloutEvent) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=f"*Next:* {fit(event.next_action, 2900)}"))


def _context(event: RolloutEvent) -> ContextBlock:
    at = event.at if event.at.tzinfo is None else event.at.astimezone(UTC)
    stamp = at.strftime("%Y-%m-%d %H:%M:%S UTC")
    text = f"rollout-engine · {event.type} · severity {event.severity} · {stamp}"
    return ContextBlock(elements=[MarkdownTextObject(text=fit(text, SECTION_MAX))])
