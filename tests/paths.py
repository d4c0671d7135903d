"""Where the repository's test data lives, for every test module."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
CORPUS = DATA / "corpus"
EXAMPLES = ROOT / "examples"
CRDS = ROOT / "deploy" / "crds"
VENV_BIN = Path(__import__("sys").executable).parent
