"""--context, --kubeconfig, KUBECONFIG and -n resolve as kubectl does; the README demo is stable."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from rollout_engine.cli.plugin import app
from tests.fakes.apiserver import FakeApiServer
from tests.fakes.rollout_scene import Scene
from tests.paths import ROOT


def _two_contexts(server: FakeApiServer, path: Path) -> Path:
    """alice's context (namespace default) is current; ``ops`` is bob in storefront."""
    config = yaml.safe_load(server.kubeconfig_for("alice").read_text())
    config["users"].append({"name": "bob", "user": {"token": server.token_for("bob")}})
    ops = {"name": "ops", "context": {"cluster": "fake", "user": "bob", "namespace": "storefront"}}
    config["contexts"].append(ops)
    path.write_text(yaml.safe_dump(config))
    return path


def test_context_chooses_the_user_and_the_namespace(
    scene: Scene, apiserver: FakeApiServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scene.canary_at_analysis()
    kubeconfig = _two_contexts(apiserver, tmp_path / "config")
    monkeypatch.setenv("KUBECONFIG", str(kubeconfig))
    runner = CliRunner()
    current = runner.invoke(app, ["get", "web"])
    assert (current.exit_code, current.stderr) == (
        3,
        'error: rollout "web" not found in namespace "default"\n',
    )
    ran = runner.invoke(app, ["pause", "web", "--context", "ops", "-o", "json"])
    assert ran.exit_code == 0, ran.stderr
    assert '"requestedBy": "bob"' in ran.stdout
    (write,) = apiserver.journal.writes()
    assert (write.identity, write.namespace) == ("bob", "storefront")
    explicit = runner.invoke(app, ["get", "web", "-n", "storefront", "--context", "alice"])
    assert explicit.exit_code == 0
    unknown = runner.invoke(app, ["get", "web", "--context", "nope"])
    assert unknown.exit_code == 1
    assert unknown.stderr.startswith("error: kubeconfig: ")


def test_a_missing_kubeconfig_is_a_plain_error(tmp_path: Path) -> None:
    ran = CliRunner().invoke(app, ["list", "--kubeconfig", str(tmp_path / "absent")])
    assert (ran.exit_code, ran.stderr) == (
        1,
        f"error: kubeconfig {str(tmp_path / 'absent')!r} does not exist\n",
    )


def test_the_readme_demo_prints_the_same_every_time() -> None:
    def demo(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "tests.fakes.oncall", *args],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )

    first, second = (
        demo("promote", "web", "-n", "storefront"),
        demo("promote", "web", "-n", "storefront"),
    )
    assert (first.returncode, first.stderr) == (0, "")
    assert first.stdout == second.stdout
    assert "intent 3f2a9c1b7d6e4f5a8b9c;" in first.stdout
