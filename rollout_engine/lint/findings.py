"""What lint reports: one finding per problem, each naming where and how to fix it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

__all__ = ["Finding", "LintReport", "Severity"]

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Finding:
    """One problem in one document.

    ``document`` is 1-based, in file order, counting every ``---`` section, so
    ``file.yaml#3`` is the third document of the file.
    """

    file: str
    document: int
    path: str
    message: str
    fix: str
    code: str
    severity: Severity = "error"
    kind: str | None = None
    name: str | None = None

    @property
    def location(self) -> str:
        """``file#doc Kind/name``."""
        where = f"{self.file}#{self.document}" if self.document else self.file
        return f"{where} {self.kind}/{self.name}" if self.kind and self.name else where

    def render(self) -> str:
        """Two lines for a terminal: where and what, then the fix."""
        path = f" {self.path}:" if self.path else ":"
        return f"{self.severity}: {self.location}{path} {self.message}\n  fix: {self.fix}"

    def to_json(self) -> dict[str, Any]:
        """A flat dict for ``-o json``."""
        return asdict(self)


@dataclass
class LintReport:
    """All findings of one lint invocation, and what was checked."""

    files: list[str] = field(default_factory=list)
    resources: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def errors(self) -> Sequence[Finding]:
        """Findings that fail the lint."""
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> Sequence[Finding]:
        """Findings worth reading that do not fail the lint."""
        return [f for f in self.findings if f.severity == "warning"]

    def to_json(self) -> dict[str, Any]:
        """The machine-readable report."""
        return {
            "files": self.files,
            "resources": self.resources,
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "findings": [f.to_json() for f in self.findings],
        }
