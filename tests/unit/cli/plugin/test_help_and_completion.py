"""Help reads ``kubectl rollout-engine …``, imports nothing heavy, and completion works."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from rollout_engine.cli.plugin import COMPLETE_VAR, PROG, app
from rollout_engine.cli.plugin.exits import ExitCode
from tests.fakes.apiserver import FakeApiServer
from tests.fakes.rollout_scene import Scene
from tests.paths import VENV_BIN

COMMANDS = [
    ["list"],
    ["get"],
    ["promote"],
    ["abort"],
    ["retry"],
    ["pause"],
    ["resume"],
    ["undo"],
    ["set"],
    ["set", "image"],
    ["lint"],
]
HEAVY = ("kubernetes", "scipy", "numpy", "strategies", "analysis", "urllib3", "yaml", "rich")
PLUGIN = str(VENV_BIN / "kubectl-rollout_engine")


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_help_is_prefixed_kubectl_rollout_engine(command: list[str]) -> None:
    result = CliRunner().invoke(app, [*command, "--help"], prog_name=PROG)
    assert result.exit_code == 0
    usage, _, description = result.stdout.partition("\n\n")
    assert usage.startswith(f"Usage: kubectl rollout-engine {' '.join(command)} ")
    assert description.lstrip().startswith(f"kubectl rollout-engine {' '.join(command)}")


def test_the_top_level_help_lists_the_commands_and_the_exit_codes() -> None:
    result = subprocess.run([PLUGIN, "--help"], capture_output=True, text=True, check=True)
    assert result.stdout.startswith("Usage: kubectl rollout-engine [OPTIONS] COMMAND [ARGS]...")
    listed = result.stdout.split("Commands:\n", 1)[1].split()
    for command in ("list", "get", "promote", "abort", "retry", "pause", "resume", "undo", "set"):
        assert command in listed
    codes = " ".join(result.stdout.split())
    for code in ExitCode:
        assert f"{int(code)} " in codes


def test_help_imports_no_heavy_module() -> None:
    probe = (
        "import sys\n"
        "sys.argv = ['kubectl-rollout_engine', *sys.argv[1:]]\n"
        "from rollout_engine.cli.plugin import run\n"
        "try:\n    run()\nexcept SystemExit:\n    pass\n"
        f"print('\\nHEAVY=' + ','.join(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    for args in (["--help"], ["get", "--help"], ["promote", "--help"], ["set", "image", "--help"]):
        result = subprocess.run(
            [sys.executable, "-c", probe, *args], capture_output=True, text=True, check=True
        )
        assert result.stdout.splitlines()[-1] == "HEAVY=", args


def test_usage_errors_exit_2() -> None:
    result = CliRunner().invoke(app, ["get", "web", "-o", "wide"], prog_name=PROG)
    assert result.exit_code == 2
    assert "Invalid value for '-o' / '--output'" in result.stderr


def test_shell_completion_offers_commands_and_rollout_names(
    apiserver: FakeApiServer, scene: Scene
) -> None:
    scene.blue_green_failed()
    scene.ab_test_healthy()

    def complete(words: str) -> list[str]:
        env = {
            **os.environ,
            "KUBECONFIG": str(apiserver.kubeconfig),
            COMPLETE_VAR: "complete_bash",
            "COMP_WORDS": words,
            "COMP_CWORD": str(len(words.split()) - (0 if words.endswith(" ") else 1)),
        }
        done = subprocess.run([PLUGIN], env=env, capture_output=True, text=True, check=True)
        return done.stdout.split()

    assert complete("kubectl-rollout_engine pro") == ["promote"]
    assert complete("kubectl-rollout_engine get -n shop ") == ["checkout", "search"]
    assert complete("kubectl-rollout_engine abort -n shop ch") == ["checkout"]
    assert complete("kubectl-rollout_engine get -n nowhere ") == []
