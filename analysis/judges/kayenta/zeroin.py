"""Brent's root finder exactly as R's `zeroin` (and Kayenta's `BrentSolver`) runs it.

Kayenta's interval and estimate values depend on *where this algorithm stops*, not on the
true root: with an absolute tolerance of 1e-4 it stops as soon as the bracket is ~1e-4 wide,
which on small-scale metrics (an error fraction of 0.001, a latency in seconds) lands far from
the exact root (statistics.md §1.6). A tight solver such as `scipy.optimize.brentq` fails 10 of
Kayenta's 125 expectations, so parity needs this step-by-step restatement of the algorithm
(Brent 1973, ch. 4): bisection guarded by linear or inverse-quadratic interpolation.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["KAYENTA_MAX_ITER", "KAYENTA_TOL", "zeroin"]

KAYENTA_TOL = 1e-4
KAYENTA_MAX_ITER = 1000
_EPS = sys.float_info.epsilon


@dataclass
class _Bracket:
    """The three points of Brent's method: b is the best guess, c keeps the sign change."""

    a: float
    b: float
    c: float
    fa: float
    fb: float
    fc: float


def zeroin(
    f: Callable[[float], float],
    lower: float,
    upper: float,
    *,
    tol: float = KAYENTA_TOL,
    max_iter: int = KAYENTA_MAX_ITER,
) -> float:
    """Return R-zeroin's approximation of a root of `f` in [lower, upper].

    Stops when half the bracket is within ``2·eps·|b| + tol/2`` or after `max_iter` steps
    (then it returns the current best guess, as R does on failure).
    """
    fa, fb = f(lower), f(upper)
    if fa == 0.0:
        return lower
    if fb == 0.0:
        return upper
    s = _Bracket(a=lower, b=upper, c=lower, fa=fa, fb=fb, fc=fa)
    for _ in range(max_iter + 1):
        prev_step = s.b - s.a
        if abs(s.fc) < abs(s.fb):
            s.a, s.b, s.c = s.b, s.c, s.b
            s.fa, s.fb, s.fc = s.fb, s.fc, s.fb
        tol_act = 2.0 * _EPS * abs(s.b) + tol / 2.0
        new_step = (s.c - s.b) / 2.0
        if abs(new_step) <= tol_act or s.fb == 0.0:
            return s.b
        if abs(prev_step) >= tol_act and abs(s.fa) > abs(s.fb):
            new_step = _interpolated_step(
                s, new_step=new_step, prev_step=prev_step, tol_act=tol_act
            )
        if abs(new_step) < tol_act:
            new_step = tol_act if new_step > 0.0 else -tol_act
        s.a, s.fa = s.b, s.fb
        s.b += new_step
        s.fb = f(s.b)
        if (s.fb > 0.0 and s.fc > 0.0) or (s.fb < 0.0 and s.fc < 0.0):
            s.c, s.fc = s.a, s.fa
    return s.b


def _interpolated_step(s: _Bracket, *, new_step: float, prev_step: float, tol_act: float) -> float:
    """Secant (two points) or inverse quadratic step, accepted only if it stays safe."""
    cb = s.c - s.b
    if s.a == s.c:
        t1 = s.fb / s.fa
        p = cb * t1
        q = 1.0 - t1
    else:
        q = s.fa / s.fc
        t1 = s.fb / s.fc
        t2 = s.fb / s.fa
        p = t2 * (cb * q * (q - t1) - (s.b - s.a) * (t1 - 1.0))
        q = (q - 1.0) * (t1 - 1.0) * (t2 - 1.0)
    if p > 0.0:
        q = -q
    else:
        p = -p
    if p < 0.75 * cb * q - abs(tol_act * q) / 2.0 and p < abs(prev_step * q / 2.0):
        return p / q
    return new_step
