"""The measurement benchmark stays runnable (its numbers are reported, never asserted here)."""

from __future__ import annotations

import pytest

from benchmarks import measurement


def test_every_case_runs_and_the_table_lists_them(capsys: pytest.CaptureFixture[str]) -> None:
    names = [case.name for case in measurement.cases()]
    measurement.main(["--seconds", "0"])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("operation")
    assert [line[: len(name)] for line, name in zip(lines[1:], names, strict=True)] == names
