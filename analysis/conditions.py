"""Success and failure conditions: CEL over ``result``, compiled once.

Conditions are written in CEL (``common-expression-language``), the language
Kubernetes itself uses for validation. Argo Rollouts' idioms keep working: the
functions ``len``, ``isNaN``, ``isInf``, ``isNil``, ``default``, ``asInt`` and
``asFloat`` are provided, so ``len(result) == 0 || result[0] >= 0.95`` is
valid here as it is in Argo.

Compilation happens when a template is linted or a run is created; a
condition that does not compile is a spec error, never a measurement error.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

import cel

from rollout_engine.errors import SpecError

__all__ = ["ARGO_FUNCTIONS", "CompiledCondition", "compile_condition"]

ARGO_FUNCTIONS: Final = frozenset({"len", "isNaN", "isInf", "isNil", "default", "asInt", "asFloat"})
"""Functions Argo Rollouts' expressions use, provided on top of standard CEL."""

ALLOWED_VARIABLES: Final = frozenset({"result"})


@dataclass(frozen=True)
class CompiledCondition:
    """A parsed condition and the names it uses."""

    source: str
    program: Any
    variables: frozenset[str]
    functions: frozenset[str]


def compile_condition(expr: str, *, path: str = "") -> CompiledCondition:
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
    unknown = sorted(variables - ALLOWED_VARIABLES)
    if unknown:
        raise SpecError(
            f"condition uses unknown variable {unknown[0]!r}; conditions can only read `result`",
            path=path,
        )
    functions = frozenset(str(f) for f in program.functions())
    return CompiledCondition(source=expr, program=program, variables=variables, functions=functions)
