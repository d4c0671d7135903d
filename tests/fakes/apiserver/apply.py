"""Server-side apply (`application/apply-patch+yaml`).

The applied configuration is merged into the live object (maps recursively, keyed and set
lists item by item, everything else replaced). A field another manager owns with a
different value is a conflict: 409 listing each field, unless `force` moves ownership to
the applier. Fields the applier owned before but no longer applies are removed when no
other manager owns them. Fields reset by the strategy (status on the main resource,
everything but status on `/status`) are dropped from the applied configuration first.
Simplification: the FieldsV1 sets never mark struct fields with `.`, and list order
after a merge is "live items first, then new ones".
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, cast

from .errors import ApiError
from .fieldsets import FieldSet, Path, delete_path, describe, fields_of, get_path
from .lists import ListSemantics, key_of
from .managed import Entry, read_entries, write_entries
from .storage import clone


def drop_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: drop_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [drop_nulls(v) for v in value]
    return value


def server_side_apply(
    live: dict[str, Any] | None,
    applied: dict[str, Any],
    *,
    manager: str,
    force: bool,
    api_version: str,
    now: str,
    subresource: str,
    lists: ListSemantics,
) -> dict[str, Any]:
    """The object after applying; raises a 409 ApiError on conflicts without force."""
    applied = drop_nulls(applied)
    applied_set = fields_of(applied, lists)
    entries = read_entries(live)
    owner = (manager, "Apply", subresource)
    conflicts = _conflicts(
        live or {}, applied, applied_set=applied_set, entries=entries, owner=owner
    )
    if conflicts and not force:
        raise _conflict_error(conflicts)
    for entry, paths in conflicts.items():
        entry.fields -= paths
    mine = next((e for e in entries if e.owner() == owner), None)
    previous = mine.fields if mine else set()
    merged = _merge(clone(live) if live else {}, applied, lists=lists, names=())
    others = [e.fields for e in entries if e is not mine]
    _remove_disowned(merged, previous - applied_set, others=others)
    if mine is None:
        entries.append(Entry(manager, "Apply", api_version, now, applied_set, subresource))
    elif mine.fields != applied_set or mine.api_version != api_version:
        mine.fields, mine.time, mine.api_version = applied_set, now, api_version
    write_entries(merged, entries)
    return cast(dict[str, Any], merged)


def _conflicts(
    live: dict[str, Any],
    applied: dict[str, Any],
    *,
    applied_set: FieldSet,
    entries: list[Entry],
    owner: tuple[str, str, str],
) -> dict[Entry, set[Path]]:
    found: dict[Entry, set[Path]] = defaultdict(set)
    for entry in entries:
        if entry.owner() == owner:
            continue
        for path in applied_set & entry.fields:
            wanted = get_path(applied, path)[1]
            exists, current = get_path(live, path)
            if exists and not isinstance(wanted, dict) and current != wanted:
                found[entry].add(path)
    return dict(found)


def _conflict_error(conflicts: dict[Entry, set[Path]]) -> ApiError:
    total = sum(len(paths) for paths in conflicts.values())
    causes, blocks = [], []
    for entry, paths in conflicts.items():
        where = f' with subresource "{entry.subresource}"' if entry.subresource else ""
        who = f'"{entry.manager}"{where} using {entry.api_version}'
        fields = sorted(describe(p) for p in paths)
        causes += [
            {"reason": "FieldManagerConflict", "message": f"conflict with {who}", "field": f}
            for f in fields
        ]
        if total == 1:
            blocks.append(f"conflict with {who}: {fields[0]}")
        else:
            blocks.append(f"conflicts with {who}:\n" + "\n".join(f"- {f}" for f in fields))
    noun = "conflict" if total == 1 else "conflicts"
    message = f"Apply failed with {total} {noun}: " + "\n".join(blocks)
    return ApiError(409, "Conflict", message, {"causes": causes})


def _merge(live: Any, applied: Any, *, lists: ListSemantics, names: tuple[str, ...]) -> Any:
    if isinstance(applied, dict):
        base = live if isinstance(live, dict) else {}
        for key, value in applied.items():
            base[key] = _merge(base.get(key), value, lists=lists, names=(*names, key))
        return base
    if isinstance(applied, list) and isinstance(live, list):
        rule = lists.rule(names, [*live, *applied])
        if rule == "set":
            return [*live, *(clone(v) for v in applied if v not in live)]
        if isinstance(rule, tuple) and all(key_of(i, rule) for i in [*live, *applied]):
            return _merge_keyed(live, applied, rule=rule, lists=lists, names=names)
    return clone(applied)


def _merge_keyed(
    live: list[Any],
    applied: list[Any],
    *,
    rule: tuple[str, ...],
    lists: ListSemantics,
    names: tuple[str, ...],
) -> list[Any]:
    result = list(live)
    for item in applied:
        key = key_of(item, rule)
        index = next((i for i, old in enumerate(result) if key_of(old, rule) == key), None)
        if index is None:
            result.append(clone(item))
        else:
            result[index] = _merge(result[index], item, lists=lists, names=(*names, "[]"))
    return result


def _remove_disowned(obj: dict[str, Any], dropped: FieldSet, *, others: list[FieldSet]) -> None:
    """Delete what the applier stopped applying, unless someone else still owns it."""
    owned_elsewhere = set().union(*others) if others else set()
    for path in sorted(dropped, key=len, reverse=True):
        still_owned = any(p[: len(path)] == path for p in owned_elsewhere)
        if not still_owned:
            delete_path(obj, path)
            _prune_empty_parents(obj, path, owned=owned_elsewhere)


def _prune_empty_parents(obj: dict[str, Any], path: Path, *, owned: FieldSet) -> None:
    for depth in range(len(path) - 1, 1, -1):
        parent = path[:depth]
        exists, value = get_path(obj, parent)
        if not exists or value or parent in owned:
            return
        delete_path(obj, parent)
