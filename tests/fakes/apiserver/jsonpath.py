"""The JSONPath subset of CRD printer columns (`additionalPrinterColumns[].jsonPath`).

Supported: `.field` (with `\\.` inside names), `['field']`, `[n]`, `[*]` and
`[?(@.a.b=="v")]` / `!=` filters, which covers the columns CRDs declare in practice.
Results fan out: every step maps each current value to zero or more next values.
"""

from __future__ import annotations

import json
import re
from typing import Any

_FILTER = re.compile(r"\?\(@((?:\.[\w-]+)+)\s*(==|!=)\s*(.+)\)")


def _tokens(path: str) -> list[str]:
    tokens, i = [], 0
    path = path.strip().strip("{}")
    while i < len(path):
        if path[i] == ".":
            j = i + 1
            name = ""
            while j < len(path) and path[j] not in ".[":
                if path[j] == "\\" and j + 1 < len(path):
                    j += 1
                name += path[j]
                j += 1
            if name:
                tokens.append("." + name)
            i = j
        elif path[i] == "[":
            end = path.index("]", i)
            tokens.append(path[i : end + 1])
            i = end + 1
        else:
            raise ValueError(f"unsupported JSONPath {path!r}")
    return tokens


def _step(value: Any, token: str) -> list[Any]:
    if token.startswith("."):
        name = token[1:]
        return [value[name]] if isinstance(value, dict) and name in value else []
    inner = token[1:-1].strip()
    if inner.startswith(("'", '"')):
        name = inner[1:-1]
        return [value[name]] if isinstance(value, dict) and name in value else []
    if not isinstance(value, list):
        return []
    if inner == "*":
        return list(value)
    if match := _FILTER.fullmatch(inner):
        return [item for item in value if _keep(item, match)]
    index = int(inner)
    return [value[index]] if -len(value) <= index < len(value) else []


def _keep(item: Any, match: re.Match[str]) -> bool:
    found = find(item, match[1])
    literal = match[3].strip()
    wanted = literal[1:-1] if literal[:1] in "'\"" else json.loads(literal)
    equal = bool(found) and found[0] == wanted
    return equal if match[2] == "==" else not equal


def find(obj: Any, path: str) -> list[Any]:
    """All values `path` selects in `obj` (an empty list when none)."""
    values = [obj]
    for token in _tokens(path):
        values = [nxt for value in values for nxt in _step(value, token)]
    return values
