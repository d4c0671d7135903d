"""Duration strings as Kubernetes and Argo Rollouts users write them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rollout_engine.api.durations import format_duration, parse_duration
from rollout_engine.errors import SpecError


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("30s", 30),
        ("5m", 300),
        ("1h30m", 5400),
        ("1.5h", 5400),
        ("250ms", 0.25),
        ("0", 0),
        ("45", 45),
        (10, 10),
    ],
)
def test_parse_accepts_kubernetes_and_argo_forms(text: str | int, seconds: float) -> None:
    assert parse_duration(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["", "5 minutes", "m5", "1h-30m", "-5s", "1d", "5s3"])
def test_parse_rejects_with_the_field_path(text: str) -> None:
    with pytest.raises(SpecError) as info:
        parse_duration(text, path="spec.steps[1].pause.duration")
    assert info.value.path == "spec.steps[1].pause.duration"
    assert repr(text) in str(info.value)


def test_parse_rejects_booleans_and_negative_numbers() -> None:
    with pytest.raises(SpecError):
        parse_duration(True)
    with pytest.raises(SpecError):
        parse_duration(-1)


@given(st.integers(min_value=0, max_value=10 * 24 * 3600 * 1000))
def test_format_then_parse_is_identity(milliseconds: int) -> None:
    delta = timedelta(milliseconds=milliseconds)
    assert parse_duration(format_duration(delta)) == delta


def test_format_is_compact() -> None:
    assert format_duration(timedelta(hours=1, minutes=30)) == "1h30m"
    assert format_duration(timedelta(seconds=45)) == "45s"
    assert format_duration(timedelta(0)) == "0s"
    assert format_duration(timedelta(milliseconds=1500)) == "1500ms"
