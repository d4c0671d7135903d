"""Read multi-document YAML files into documents lint can check.

A stricter loader than ``yaml.safe_load``: a key given twice in one mapping
is an error (PyYAML would silently keep the last one, hiding the first).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from rollout_engine.lint.findings import Finding

__all__ = ["Document", "load_documents"]


@dataclass(frozen=True)
class Document:
    """One ``---`` section of a file: its 1-based index and parsed body."""

    file: str
    index: int
    body: Any


class _DuplicateKeyError(yaml.MarkedYAMLError):
    pass


class _StrictLoader(yaml.SafeLoader):
    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, str | int | float | bool) and key in seen:
                raise _DuplicateKeyError(
                    "while constructing a mapping",
                    node.start_mark,
                    f"found duplicate key {key!r}",
                    key_node.start_mark,
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def load_documents(path: Path, *, display: str) -> tuple[list[Document], list[Finding]]:
    """Parse every document of `path`; YAML problems become findings, not exceptions."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        return [], [_file_finding(display, f"cannot read file: {reason}")]
    docs: list[Document] = []
    try:
        for index, body in enumerate(yaml.load_all(text, Loader=_StrictLoader), start=1):
            if body is not None:
                docs.append(Document(file=display, index=index, body=body))
    except yaml.YAMLError as exc:
        return docs, [_yaml_finding(display, len(docs) + 1, exc)]
    return docs, []


def _file_finding(display: str, message: str) -> Finding:
    return Finding(
        file=display,
        document=0,
        path="",
        message=message,
        fix="check the path and that the file is readable UTF-8 text",
        code="unreadable-file",
    )


def _yaml_finding(display: str, index: int, exc: yaml.YAMLError) -> Finding:
    mark = getattr(exc, "problem_mark", None)
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    duplicate = isinstance(exc, _DuplicateKeyError)
    return Finding(
        file=display,
        document=index,
        path="",
        message=f"{'duplicate key' if duplicate else 'invalid YAML'}{where}: {problem}",
        fix="remove one of the two keys"
        if duplicate
        else "fix the YAML syntax (indentation, quoting, a missing ':')",
        code="duplicate-key" if duplicate else "yaml-syntax",
    )
