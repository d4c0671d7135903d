"""Where each ``{{…}}`` placeholder sits in a PromQL query or a CEL condition.

Safe substitution depends on the lexical context of the placeholder, not on
the value: inside a quoted string a value can be escaped so that it stays one
string token whatever it contains; outside a string nothing can be escaped,
so the value must itself be a single harmless token. This module finds that
context with a small scanner that knows only what matters for it — string
literals (with backslash escapes), raw strings, and comments — and never
looks inside the placeholders themselves.

PromQL: ``"…"`` and ``'…'`` (escapes), ```…``` (raw, no escapes), ``# …`` to
the end of the line. CEL: ``"…"`` and ``'…'`` (escapes), ``r"…"`` raw strings
and triple-quoted strings (treated as raw: no value may close them), ``// …``
comments.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Literal

__all__ = ["Context", "Language", "Placeholder", "find_placeholders"]

Context = Literal["bare", "string", "raw", "comment"]
Language = Literal["promql", "cel"]

_PLACEHOLDER: Final = re.compile(r"\{\{(.*?)\}\}", re.S)


@dataclass(frozen=True, slots=True)
class Placeholder:
    """One ``{{…}}``: its span, its trimmed inner text, and where it sits."""

    start: int
    end: int
    body: str
    context: Context
    quote: str = ""


@dataclass
class _State:
    context: Context = "bare"
    quote: str = ""


def find_placeholders(text: str, *, language: Language) -> list[Placeholder]:
    """Every placeholder of `text`, in order, with its lexical context."""
    found: list[Placeholder] = []
    state = _State()
    i = 0
    while i < len(text):
        match = _PLACEHOLDER.match(text, i)
        if match:
            found.append(
                Placeholder(
                    start=match.start(),
                    end=match.end(),
                    body=match.group(1).strip(),
                    context=state.context,
                    quote=state.quote,
                )
            )
            i = match.end()
            continue
        i = _step(text, i, state, language)
    return found


def _step(text: str, i: int, state: _State, language: Language) -> int:
    """Advance past one character (or an escape pair), updating the context."""
    char = text[i]
    if state.context == "string":
        if char == "\\":
            return i + 2
        if char == state.quote:
            state.context, state.quote = "bare", ""
        return i + 1
    if state.context == "raw":
        if text.startswith(state.quote, i):
            step = len(state.quote)
            state.context, state.quote = "bare", ""
            return i + step
        return i + 1
    if state.context == "comment":
        if char == "\n":
            state.context = "bare"
        return i + 1
    return _step_bare(text, i, state, language)


def _step_bare(text: str, i: int, state: _State, language: Language) -> int:
    char = text[i]
    if language == "promql":
        if char == "#":
            state.context = "comment"
        elif char == "`":
            state.context, state.quote = "raw", "`"
        elif char in "\"'":
            state.context, state.quote = "string", char
        return i + 1
    if text.startswith("//", i):
        state.context = "comment"
        return i + 2
    if char in "\"'":
        triple = text.startswith(char * 3, i)
        raw = i > 0 and text[i - 1] in "rR" and (i < 2 or not _word(text[i - 2]))
        if triple or raw:
            state.context, state.quote = "raw", char * 3 if triple else char
            return i + (3 if triple else 1)
        state.context, state.quote = "string", char
    return i + 1


def _word(char: str) -> bool:
    return char.isalnum() or char == "_"
