"""Notes a conversion keeps about fields that did not carry over exactly."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = ["ConversionNote", "NoteAction", "Notes"]

NoteAction = Literal["dropped", "approximated", "assumed"]


@dataclass(frozen=True)
class ConversionNote:
    """One field that did not carry over exactly.

    Attributes:
        path: the field in the source manifest (``spec.strategy.canary.steps[1].experiment``).
        message: what happened to it and what to do instead.
        action: ``dropped`` (no equivalent), ``approximated`` (mapped with a
            different behaviour) or ``assumed`` (a value the source left out).
    """

    path: str
    message: str
    action: NoteAction

    def render(self) -> str:
        """``dropped spec.x: message``."""
        return f"{self.action} {self.path}: {self.message}"


@dataclass
class Notes:
    """Collects notes while converting."""

    items: list[ConversionNote] = field(default_factory=list)

    def drop(self, path: str, message: str) -> None:
        """A field with no equivalent."""
        self.items.append(ConversionNote(path, message, "dropped"))

    def approximate(self, path: str, message: str) -> None:
        """A field mapped with a different behaviour."""
        self.items.append(ConversionNote(path, message, "approximated"))

    def assume(self, path: str, message: str) -> None:
        """A value the source left out."""
        self.items.append(ConversionNote(path, message, "assumed"))

    def unknown(self, body: Mapping[str, Any], known: set[str], path: str) -> None:
        """Every key of `body` not in `known` is dropped."""
        for key in sorted(set(body) - known):
            self.drop(f"{path}.{key}", "no equivalent in rollout-engine")
