"""`events.k8s.io/v1` Events, served from the same storage as core `v1` Events.

The real server stores one Event resource and converts between the two versions, so an
Event written through either API is visible through both. The conversion renames fields
(`regarding` ↔ `involvedObject`, `note` ↔ `message`, `deprecated*` ↔ the core names).
"""

from __future__ import annotations

from typing import Any

# events.k8s.io/v1 field → core/v1 field
_RENAMES = {
    "regarding": "involvedObject",
    "note": "message",
    "deprecatedSource": "source",
    "deprecatedFirstTimestamp": "firstTimestamp",
    "deprecatedLastTimestamp": "lastTimestamp",
    "deprecatedCount": "count",
    "reportingController": "reportingComponent",
}


def to_core(event: dict[str, Any]) -> dict[str, Any]:
    """An events.k8s.io/v1 body in the stored (core) form."""
    out = {_RENAMES.get(k, k): v for k, v in event.items()}
    out["apiVersion"], out["kind"] = "v1", "Event"
    return out


def from_core(event: dict[str, Any]) -> dict[str, Any]:
    """A stored Event as events.k8s.io/v1 shows it."""
    back = {core: new for new, core in _RENAMES.items()}
    out = {back.get(k, k): v for k, v in event.items()}
    out["apiVersion"], out["kind"] = "events.k8s.io/v1", "Event"
    return out
