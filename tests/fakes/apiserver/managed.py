"""managedFields bookkeeping for non-apply writes (create, update, patch).

The real field manager gives every writer ownership of the fields it changed and takes
those fields away from everyone else; removed fields leave every set. Writers are told
apart by manager name, operation and subresource, so `kubectl` applying and `kubectl`
patching `/status` are different owners, as in real managedFields.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .fieldsets import FieldSet, fields_of, from_fields_v1, get_path, to_fields_v1
from .lists import ListSemantics


@dataclass(eq=False)
class Entry:
    """One `metadata.managedFields[]` item (hashed by identity)."""

    manager: str
    operation: str
    api_version: str
    time: str
    fields: FieldSet
    subresource: str = ""

    def owner(self) -> tuple[str, str, str]:
        return self.manager, self.operation, self.subresource

    def render(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "manager": self.manager,
            "operation": self.operation,
            "apiVersion": self.api_version,
            "time": self.time,
            "fieldsType": "FieldsV1",
            "fieldsV1": to_fields_v1(self.fields),
        }
        if self.subresource:
            out["subresource"] = self.subresource
        return out


def read_entries(obj: dict[str, Any] | None) -> list[Entry]:
    if not obj:
        return []
    entries = []
    for raw in (obj.get("metadata") or {}).get("managedFields") or []:
        if not isinstance(raw, dict) or "manager" not in raw:
            continue
        entries.append(
            Entry(
                manager=raw["manager"],
                operation=raw.get("operation", "Update"),
                api_version=raw.get("apiVersion", ""),
                time=raw.get("time", ""),
                fields=from_fields_v1(raw.get("fieldsV1") or {}),
                subresource=raw.get("subresource", ""),
            )
        )
    return entries


def write_entries(obj: dict[str, Any], entries: list[Entry]) -> None:
    kept = [e.render() for e in entries if e.fields]
    meta = obj.setdefault("metadata", {})
    if kept:
        meta["managedFields"] = kept
    else:
        meta.pop("managedFields", None)


def changed_paths(
    old: dict[str, Any] | None, new: dict[str, Any], *, lists: ListSemantics
) -> tuple[FieldSet, FieldSet]:
    """(paths added or given a new value, paths removed) between two versions."""
    old_set = fields_of(old, lists) if old else set()
    new_set = fields_of(new, lists)
    changed = set()
    for path in new_set:
        if path not in old_set:
            changed.add(path)
            continue
        value = get_path(new, path)[1]
        if not isinstance(value, dict) and value != get_path(old, path)[1]:
            changed.add(path)
    return changed, old_set - new_set


def record_update(
    old: dict[str, Any] | None,
    new: dict[str, Any],
    *,
    manager: str,
    api_version: str,
    now: str,
    subresource: str,
    lists: ListSemantics,
) -> None:
    """Rewrite `new`'s managedFields after an Update-style write by `manager`."""
    changed, removed = changed_paths(old, new, lists=lists)
    entries = read_entries(old)
    owner = (manager, "Update", subresource)
    mine = next((e for e in entries if e.owner() == owner), None)
    for entry in entries:
        if entry is not mine:
            entry.fields -= changed | removed
    if mine is not None:
        updated = (mine.fields - removed) | changed
        if updated != mine.fields:
            mine.fields, mine.time, mine.api_version = updated, now, api_version
    elif changed:
        entries.append(Entry(manager, "Update", api_version, now, changed, subresource))
    write_entries(new, entries)


def manager_from_user_agent(user_agent: str) -> str:
    """The default field manager: the User-Agent up to its first `/`, as the apiserver does."""
    return (user_agent.split("/", 1)[0] or "unknown")[:128]
