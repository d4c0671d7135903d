"""Success and failure conditions: CEL over ``result``, compiled once, evaluated per measurement.

Conditions are written in CEL (``common-expression-language``), the language
Kubernetes itself uses for validation: side-effect free, not Turing-complete,
no access to the environment. Argo Rollouts' expr-lang helpers are provided
as functions — ``len``, ``isNaN``, ``isInf``, ``isNil``, ``default``,
``asInt``, ``asFloat`` — so ``len(result) == 0 || result[0] >= 0.95`` is
valid here as it is in Argo. Argo's ``all(result, # < 1)`` is written the CEL
way: ``result.all(x, x < 1.0)``.

What ``result`` is (the mapping, decided per condition at compile time):

================================  ===================  ============================
query answer                      condition indexes    ``result``
                                  or counts it *
================================  ===================  ============================
scalar                            no / yes             ``0.97`` / ``[0.97]``
vector, one series                no / yes             ``0.97`` / ``[0.97]``
vector, several series            either               ``[0.97, 0.99]``
vector, no series                 no / yes             ``null`` / ``[]``
matrix (range query)              either               every point, flattened
================================  ===================  ============================

\\* "indexes or counts it" = the condition uses ``result[i]``, ``len``,
``size``, ``in`` or a macro such as ``result.all(x, …)``. So Argo's
``result[0] >= 0.95`` and the scalar style ``result >= 0.95`` both work on a
one-series vector; a scalar-style condition on several series is an error
(which series did you mean?), as is ``result[0]`` on no series.

CEL never coerces: ``result * 100`` fails (write ``result * 100.0``), while
comparing a double with an int (``result[0] >= 3``) is allowed. An ordering
comparison with NaN raises in CEL; `analysis.threshold` gives it the IEEE (and
Argo) meaning, false, and never lets a NaN count as success.

Compilation happens when a template is linted or a run is compiled; a
condition that does not compile is a spec error, never a measurement error.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final

import cel

from rollout_engine.errors import SpecError

__all__ = [
    "ARGO_FUNCTIONS",
    "CompiledCondition",
    "ConditionError",
    "compile_condition",
    "evaluate",
]

ARGO_FUNCTIONS: Final = frozenset({"len", "isNaN", "isInf", "isNil", "default", "asInt", "asFloat"})
"""Functions Argo Rollouts' expressions use, provided on top of standard CEL."""

ALLOWED_VARIABLES: Final = frozenset({"result"})
_LIST_FUNCTIONS: Final = frozenset({"_[_]", "len", "size", "@in"})
_MACRO_VARIABLE: Final = re.compile(
    r"\.\s*(?:all|exists|exists_one|map|filter)\s*\(\s*([A-Za-z_][A-Za-z0-9_]*)\s*,"
)


class ConditionError(Exception):
    """A condition could not be evaluated on this result (a measurement Error)."""


@dataclass(frozen=True)
class CompiledCondition:
    """A parsed condition, the names it uses, and how it wants ``result``."""

    source: str
    program: Any
    variables: frozenset[str]
    functions: frozenset[str]
    wants_list: bool = False
    shown: str = ""
    """The source with secret-derived values masked, for reasons and status."""

    def __post_init__(self) -> None:
        if not self.shown:
            object.__setattr__(self, "shown", self.source)


def compile_condition(expr: str, *, path: str = "", shown: str = "") -> CompiledCondition:
    """Parse a condition and check that it reads only ``result``.

    Raises:
        SpecError: the expression does not parse, or uses another variable.
    """
    try:
        program = cel.compile(expr)
    except (ValueError, RuntimeError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        first = first.split(" expecting ")[0]
        raise SpecError(f"condition does not compile: {first}", path=path) from exc
    variables = frozenset(str(v) for v in program.variables())
    bound = frozenset(_MACRO_VARIABLE.findall(expr))
    unknown = sorted(variables - ALLOWED_VARIABLES - bound)
    if unknown:
        raise SpecError(
            f"condition uses unknown variable {unknown[0]!r}; conditions can only read `result`",
            path=path,
        )
    functions = frozenset(str(f) for f in program.functions())
    return CompiledCondition(
        source=expr,
        program=program,
        variables=variables,
        functions=functions,
        wants_list=bool(functions & _LIST_FUNCTIONS or bound),
        shown=shown or expr,
    )


def evaluate(condition: CompiledCondition, result: Any) -> bool:
    """Evaluate a condition over ``result`` (a float, a list of floats, or None).

    Raises:
        ConditionError: CEL raised (a type mismatch, an index out of range,
            a NaN ordering) or the condition did not yield true or false.
    """
    context = cel.Context({"result": result}, _FUNCTIONS)
    try:
        outcome = condition.program.execute(context)
    except Exception as exc:  # CEL raises TypeError, KeyError, IndexError, RuntimeError …
        raise ConditionError(_first_line(exc)) from exc
    if not isinstance(outcome, bool):
        raise ConditionError(f"the condition yields {outcome!r}, not true or false")
    return outcome


def _first_line(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    text = text.split(". CEL does not coerce")[0]
    return f"{type(exc).__name__}: {text}"[:160]


def _is_nan(value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"isNaN takes a number, got {type(value).__name__}")
    return isinstance(value, float) and math.isnan(value)


def _is_inf(value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"isInf takes a number, got {type(value).__name__}")
    return isinstance(value, float) and math.isinf(value)


def _default(value: Any, fallback: Any) -> Any:
    return fallback if value is None else value


def _as_int(value: Any) -> int:
    return int(value)


def _as_float(value: Any) -> float:
    return float(value)


def _len(value: Sequence[Any] | str | dict[Any, Any]) -> int:
    return len(value)


_FUNCTIONS: Final[dict[str, Callable[..., Any]]] = {
    "len": _len,
    "isNaN": _is_nan,
    "isInf": _is_inf,
    "isNil": lambda value: value is None,
    "default": _default,
    "asInt": _as_int,
    "asFloat": _as_float,
}
