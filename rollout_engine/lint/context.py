"""What lint knows across files: which templates exist, to resolve references."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from rollout_engine.lint.schema import Identified

__all__ = ["LintContext"]


@dataclass
class LintContext:
    """Every identified document of one lint run, indexed for reference checks."""

    templates: dict[tuple[str, str], list[Identified]] = field(
        default_factory=lambda: defaultdict(list)
    )

    def add(self, ident: Identified) -> None:
        """Index a document (only templates are looked up by others)."""
        if ident.kind in ("AnalysisTemplate", "ClusterAnalysisTemplate") and ident.name:
            self.templates[(ident.kind, ident.name)].append(ident)

    def find(self, *, kind: str, name: str, namespace: str | None) -> Identified | None:
        """A template by kind and name, in `namespace` when both sides say one."""
        for candidate in self.templates.get((kind, name), []):
            meta = candidate.doc.body.get("metadata") or {}
            theirs = meta.get("namespace") if isinstance(meta, dict) else None
            if (
                kind == "ClusterAnalysisTemplate"
                or None in (namespace, theirs)
                or theirs == namespace
            ):
                return candidate
        return None
