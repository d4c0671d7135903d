"""Everything the README shows runs: each ```console block is executed and its output compared."""

from __future__ import annotations

import re
import shlex
import subprocess

import pytest

from tests.paths import ROOT, VENV_BIN

BLOCK = re.compile(r"```console\n(.*?)```", re.S)


def _examples() -> list[tuple[str, list[str]]]:
    out: list[tuple[str, list[str]]] = []
    for block in BLOCK.findall((ROOT / "README.md").read_text()):
        for chunk in block.split("$ ")[1:]:
            command, *expected = chunk.rstrip("\n").split("\n")
            out.append((command, expected))
    return out


def test_the_readme_has_runnable_examples() -> None:
    assert len(_examples()) >= 2


@pytest.mark.parametrize(("command", "expected"), _examples(), ids=[c for c, _ in _examples()])
def test_readme_console_example_prints_what_it_shows(command: str, expected: list[str]) -> None:
    argv = shlex.split(command)
    argv[0] = str(VENV_BIN / argv[0])
    result = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT, check=False)
    actual = [line.rstrip() for line in (result.stdout + result.stderr).splitlines()]
    assert actual == [line.rstrip() for line in expected]
