"""The real kubectl, with only our plugin on PATH, against the fake API server."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.fakes.apiserver import FakeApiServer
from tests.fakes.rollout_scene import Scene
from tests.paths import VENV_BIN

KUBECTL = shutil.which("kubectl")


@dataclass(frozen=True)
class Kubectl:
    """Runs ``kubectl …`` as a person would: the plugin found on PATH, KUBECONFIG set."""

    env: dict[str, str]
    cache: Path

    def argv(self, args: Sequence[str]) -> list[str]:
        return ["kubectl", *args]

    def __call__(
        self, *args: str, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self.argv(args),
            env={**self.env, **(env or {})},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )


@pytest.fixture
def kubectl(apiserver: FakeApiServer, tmp_path: Path) -> Kubectl:
    if KUBECTL is None:
        pytest.fail("kubectl is not installed (it is on every machine this suite runs on)")
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "kubectl-rollout_engine").symlink_to(VENV_BIN / "kubectl-rollout_engine")
    env = {
        **{k: v for k, v in os.environ.items() if k != "KUBECONFIG"},
        "PATH": f"{plugins}{os.pathsep}{Path(KUBECTL).parent}",
        "KUBECONFIG": str(apiserver.kubeconfig),
        "KUBECACHEDIR": str(tmp_path / "kube-cache"),
        "HOME": str(tmp_path),
    }
    return Kubectl(env=env, cache=tmp_path / "kube-cache")


@pytest.fixture
def scene(apiserver: FakeApiServer) -> Scene:
    return Scene(apiserver, now=datetime.now(UTC)).install()
