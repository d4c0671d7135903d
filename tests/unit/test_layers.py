"""The house rules on imports: pure layers stay pure, strategies and analysis stay apart.

import-linter checks the modules that exist (`lint-imports`, run here and by
`make test`); the AST scan below also forbids, by name, the shell packages
that pure code must never reach, including those not written yet.
"""

from __future__ import annotations

import ast
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.paths import ROOT, VENV_BIN

FORBIDDEN_EVERYWHERE = ("kubernetes", "apscheduler", "slack_sdk")
SHELL = (
    "rollout_engine.kube",
    "rollout_engine.controller",
    "rollout_engine.engine",
    "rollout_engine.cli",
    "rollout_engine.notify",
    "rollout_engine.sandbox",
    "rollout_engine.lint",
)
HTTP = ("requests", "httpx", "urllib3", "prometheus_api_client", "http", "socket", "aiohttp")


def _imports(package: str) -> Iterator[tuple[Path, str]]:
    for path in sorted((ROOT / package).rglob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    yield path, alias.name
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                yield path, node.module


def _hits(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


@pytest.mark.parametrize("package", ["strategies", "analysis"])
def test_pure_layers_import_no_kubernetes_scheduler_slack_or_shell(package: str) -> None:
    bad = [
        (str(p.relative_to(ROOT)), name)
        for p, name in _imports(package)
        if _hits(name, FORBIDDEN_EVERYWHERE + SHELL)
    ]
    assert bad == []


def test_strategies_and_analysis_do_not_import_each_other() -> None:
    bad = [(p, n) for p, n in _imports("strategies") if _hits(n, ("analysis",))]
    bad += [(p, n) for p, n in _imports("analysis") if _hits(n, ("strategies",))]
    assert bad == []


def test_http_only_inside_analysis_providers() -> None:
    bad = [
        (str(p.relative_to(ROOT)), n)
        for p, n in _imports("analysis")
        if _hits(n, HTTP) and "providers" not in p.relative_to(ROOT / "analysis").parts
    ]
    bad += [(str(p.relative_to(ROOT)), n) for p, n in _imports("strategies") if _hits(n, HTTP)]
    assert bad == []


def test_import_linter_contracts_are_kept() -> None:
    result = subprocess.run(
        [str(VENV_BIN / "lint-imports")], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_the_scan_catches_a_violation(tmp_path: Path) -> None:
    """Guard against a scan that silently matches nothing."""
    (tmp_path / "mod.py").write_text("import kubernetes.client\nfrom analysis import x\n")
    tree = ast.parse((tmp_path / "mod.py").read_text())
    names = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    assert _hits(names[0], FORBIDDEN_EVERYWHERE)
    assert not _hits("kubernetesish", FORBIDDEN_EVERYWHERE)
