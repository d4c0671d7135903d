"""Kayenta parity: every numeric and label expectation of Kayenta's own unit tests.

The vectors live in tests/data/kayenta (copied from shared/corpus/kayenta with their `_source`
fields); statistics.md §1.6 describes how each file is checked.
"""

from __future__ import annotations

import math
from typing import Any

import pytest

from tests.unit.analysis.judges.kayenta.corpus import Check, all_checks, load

CHECKS = all_checks()


def _close(actual: Any, expected: Any, tol: float) -> bool:
    if isinstance(expected, (bool, str)) or expected is None:
        return bool(actual == expected)
    if isinstance(expected, list):
        return len(actual) == len(expected) and all(
            _close(a, e, tol) for a, e in zip(actual, expected, strict=True)
        )
    if isinstance(expected, dict):
        return set(actual) == set(expected) and all(
            _close(actual[k], expected[k], tol) for k in expected
        )
    if math.isnan(float(expected)):
        return math.isnan(float(actual))
    return abs(float(actual) - float(expected)) <= tol


@pytest.mark.parametrize("check", CHECKS, ids=[c.id for c in CHECKS])
def test_kayenta_expectation(check: Check) -> None:
    assert _close(check.actual, check.expected, check.tol), (check.actual, check.expected)


def test_every_expectation_of_the_corpus_is_checked() -> None:
    """The README's 125 checks, plus the two it does not count (reason string, group score)."""
    assert len(CHECKS) == 127
    sources = [
        load(name)["_source"]
        for name in ("mannwhitney_suite_cases.json", "scorer_suite_cases.json")
    ]
    assert all("spinnaker/kayenta" in source for source in sources)
