"""Substitute ``{{args.name}}`` and ``{{elapsed}}`` so that a value never changes structure.

Argo Rollouts substitutes arguments into the JSON of a metric, so a value such
as ``"} or vector(1) #`` rewrites a query into one that always passes. Here
the substitution depends on where the placeholder sits (`analysis.lexing`):

* **inside a string literal** (a label matcher ``{pod=~"{{args.pod}}"}``, a
  CEL string ``result == "{{args.want}}"``): the value is escaped as a literal
  of that language (backslash, the quote, line breaks), so it stays one string
  token whatever it holds. Regex matchers keep regex meaning — ``a|b`` still
  matches two values, as users expect from Argo — but cannot leave the matcher.
  Other control characters are rejected.
* **inside a raw string** (PromQL backticks, CEL ``r"…"``/triple quotes):
  nothing can be escaped, so a value holding the closing quote or a backslash
  is rejected.
* **anywhere else** the value must be one harmless token. PromQL: a number
  (``0.95``), a duration (``5m``, ``1h30m``) or an identifier that is not an
  operator keyword (``by``, ``or``, ``offset`` …). CEL: a number or
  ``true``/``false``. Anything else is rejected with an error naming the arg.
* **in a comment**: a value may not contain a line break.

Only ``{{args.NAME}}`` and ``{{elapsed}}`` exist; any other ``{{…}}`` (``{{ env
"HOME" }}``) is an error, and substitution is one pass, so a value that
contains ``{{…}}`` is just text. ``{{elapsed}}`` — whole seconds since the run
started, at least ``1s`` — is filled in at every measurement, in queries only.
Each rendering also yields a ``shown`` copy with secret-derived values
replaced by ``***``: that copy is what status, logs and the CLI see.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Final

from analysis.args import Args, ArgValue
from analysis.lexing import Language, Placeholder, find_placeholders
from rollout_engine.errors import SpecError

__all__ = [
    "ELAPSED",
    "SECRET_MASK",
    "QueryTemplate",
    "Rendered",
    "compile_query",
    "render_condition",
    "render_field",
]

ELAPSED: Final = "elapsed"
SECRET_MASK: Final = "***"

_ARG: Final = re.compile(r"args\.([A-Za-z0-9_.-]+)")
_PROMQL_TOKEN: Final = re.compile(
    r"[0-9]+(\.[0-9]+)?|([0-9]+(ms|s|m|h|d|w|y))+|[A-Za-z_][A-Za-z0-9_:]*"
)
_CEL_TOKEN: Final = re.compile(r"-?[0-9]+(\.[0-9]+)?|true|false")
_PROMQL_KEYWORDS: Final = frozenset(
    [
        "and",
        "or",
        "unless",
        "atan2",
        "by",
        "without",
        "on",
        "ignoring",
        "group_left",
        "group_right",
        "offset",
        "bool",
        "sum",
        "avg",
        "count",
        "min",
        "max",
        "group",
        "stddev",
        "stdvar",
        "topk",
        "bottomk",
        "count_values",
        "quantile",
        "limitk",
        "limit_ratio",
        "start",
        "end",
    ]
)
_ESCAPES: Final = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


@dataclass(frozen=True, slots=True)
class Rendered:
    """Text to execute, and the same text with secrets masked (``shown``)."""

    text: str = field(repr=False)
    shown: str


@dataclass(frozen=True, slots=True)
class QueryTemplate:
    """A query with its arguments already substituted, awaiting ``{{elapsed}}``.

    Lexing and escaping happen once, when the run is compiled; a measurement
    only joins the parts.
    """

    parts: tuple[Rendered | None, ...]
    """Literal pieces; None marks an ``{{elapsed}}`` slot."""

    @property
    def uses_elapsed(self) -> bool:
        """Whether the query counts from the start of the run."""
        return None in self.parts

    def render(self, *, elapsed: timedelta) -> Rendered:
        """The query at a measurement `elapsed` after the run started."""
        seconds = f"{max(1, int(elapsed.total_seconds()))}s"
        text = "".join(seconds if p is None else p.text for p in self.parts)
        shown = "".join(seconds if p is None else p.shown for p in self.parts)
        return Rendered(text=text, shown=shown)


def compile_query(template: str, *, args: Args, path: str) -> QueryTemplate:
    """Substitute arguments into a PromQL query, keeping ``{{elapsed}}`` slots.

    Raises:
        SpecError: an unknown placeholder or argument, or a value that would
            change the query's structure; the message names the argument.
    """
    parts: list[Rendered | None] = []
    pos = 0
    for ph in find_placeholders(template, language="promql"):
        parts.append(Rendered(template[pos : ph.start], template[pos : ph.start]))
        if ph.body == ELAPSED:
            parts.append(None)
        else:
            parts.append(_substitute(ph, args=args, language="promql", path=path))
        pos = ph.end
    parts.append(Rendered(template[pos:], template[pos:]))
    return QueryTemplate(parts=tuple(parts))


def render_condition(template: str, *, args: Args, path: str) -> Rendered:
    """Substitute arguments into a CEL condition (Argo: ``result[0] >= {{args.min}}``)."""
    return _render(template, args=args, language="cel", path=path)


def render_field(template: str, *, args: Args, path: str) -> Rendered:
    """Substitute arguments verbatim into a field the caller parses strictly afterwards.

    For ``interval``, ``count``, limits, the address and header values: the
    field's own parser (a duration, an integer, a URL) is the structure check.
    """
    if "{{" not in template:
        return Rendered(template, template)
    return _render(template, args=args, language=None, path=path)


def _render(template: str, *, args: Args, language: Language | None, path: str) -> Rendered:
    text, shown, pos = [], [], 0
    found = find_placeholders(template, language=language or "promql")
    for ph in found:
        text.append(template[pos : ph.start])
        shown.append(template[pos : ph.start])
        if ph.body == ELAPSED:
            raise SpecError("{{elapsed}} is only available in queries", path=path)
        part = _substitute(ph, args=args, language=language, path=path)
        text.append(part.text)
        shown.append(part.shown)
        pos = ph.end
    text.append(template[pos:])
    shown.append(template[pos:])
    return Rendered(text="".join(text), shown="".join(shown))


def _substitute(ph: Placeholder, *, args: Args, language: Language | None, path: str) -> Rendered:
    match = _ARG.fullmatch(ph.body)
    if match is None:
        raise SpecError(
            "unknown placeholder {{" + ph.body + "}}: only {{args.NAME}} and {{elapsed}} exist",
            path=path,
        )
    name = match.group(1)
    arg = args.get(name)
    if arg is None:
        raise SpecError(f"argument {name!r} is not declared in spec.args", path=path)
    text = (
        arg.value if language is None else _fit(arg, name=name, ph=ph, language=language, path=path)
    )
    return Rendered(text=text, shown=SECRET_MASK if arg.secret else text)


def _fit(arg: ArgValue, *, name: str, ph: Placeholder, language: Language, path: str) -> str:
    value = arg.value
    if ph.context == "string":
        bad = [c for c in value if (ord(c) < 0x20 and c not in _ESCAPES) or ord(c) == 0x7F]
        if bad:
            raise _refuse(name, arg, path, "it contains a control character")
        return "".join(_ESCAPES.get(c, "\\" + c if c == ph.quote else c) for c in value)
    if ph.context == "raw":
        if ph.quote[0] in value or "\\" in value:
            raise _refuse(name, arg, path, f"it contains {ph.quote[0]} or \\ inside a raw string")
        return value
    if ph.context == "comment":
        if "\n" in value or "\r" in value:
            raise _refuse(name, arg, path, "it contains a line break inside a comment")
        return value
    return _bare(arg, name=name, language=language, path=path)


def _bare(arg: ArgValue, *, name: str, language: Language, path: str) -> str:
    value = arg.value
    if language == "cel":
        if _CEL_TOKEN.fullmatch(value):
            return value
        raise _refuse(name, arg, path, "outside a string only a number or true/false may be used")
    if _PROMQL_TOKEN.fullmatch(value) and value.lower() not in _PROMQL_KEYWORDS:
        return value
    raise _refuse(
        name,
        arg,
        path,
        "outside a quoted label value only a number, a duration (5m) or a "
        "name that is not a PromQL keyword may be used",
    )


def _refuse(name: str, arg: ArgValue, path: str, why: str) -> SpecError:
    shown = SECRET_MASK if arg.secret else repr(arg.value[:60])
    return SpecError(f"argument {name!r} = {shown} is refused: {why}", path=path)
