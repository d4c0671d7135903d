"""How fast the kubectl plugin answers: ``--help`` (target: median < 0.5 s), get and list.

Run: `python -m benchmarks.plugin_startup [RUNS]`. Each command runs RUNS times
(default 15) as a fresh process, the way a person runs it:

- ``kubectl-rollout_engine --help`` and ``… get --help`` (the executable pip installs);
- ``kubectl rollout-engine --help`` through the real kubectl (plugin lookup on PATH
  included), when kubectl is installed;
- ``get web`` and ``list -A`` against the fake API server holding the three
  rollouts of `tests.fakes.rollout_scene` (TLS, kubeconfig, two round trips).

The exit code is non-zero when a ``--help`` median reaches 0.5 s.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from tests.fakes.apiserver import FakeApiServer
from tests.fakes.rollout_scene import Scene

TARGET = 0.5
PLUGIN = Path(sys.executable).parent / "kubectl-rollout_engine"


def _median(argv: list[str], *, runs: int, env: dict[str, str] | None = None) -> float:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(argv, capture_output=True, env=env, check=True)
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def _kubectl_env(workdir: Path) -> dict[str, str] | None:
    """PATH with only our plugin before kubectl's directory (no other plugins)."""
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        return None
    plugins = workdir / "plugins"
    plugins.mkdir()
    (plugins / PLUGIN.name).symlink_to(PLUGIN)
    return {**os.environ, "PATH": f"{plugins}{os.pathsep}{Path(kubectl).parent}"}


def _with_a_cluster(workdir: Path, runs: int) -> dict[str, float]:
    workdir.mkdir()
    with FakeApiServer(workdir=workdir).start() as server:
        scene = Scene(server, now=datetime.now(UTC)).install()
        scene.canary_at_analysis()
        scene.blue_green_failed()
        scene.ab_test_healthy()
        env = {**os.environ, "KUBECONFIG": str(server.kubeconfig)}
        plugin = str(PLUGIN)
        return {
            "get web -n storefront": _median(
                [plugin, "get", "web", "-n", "storefront"], runs=runs, env=env
            ),
            "list -A": _median([plugin, "list", "-A"], runs=runs, env=env),
        }


def main(argv: list[str]) -> int:
    runs = int(argv[0]) if argv else 15
    helps: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        helps["kubectl-rollout_engine --help"] = _median([str(PLUGIN), "--help"], runs=runs)
        helps["kubectl-rollout_engine get --help"] = _median(
            [str(PLUGIN), "get", "--help"], runs=runs
        )
        env = _kubectl_env(root)
        if env is not None:
            helps["kubectl rollout-engine --help"] = _median(
                ["kubectl", "rollout-engine", "--help"], runs=runs, env=env
            )
        commands = _with_a_cluster(root / "api", runs)
    print(f"median of {runs} runs (fresh process each); target for --help: < {TARGET} s")
    for name, seconds in {**helps, **commands}.items():
        print(f"  {name:<40} {seconds * 1000:7.1f} ms")
    return 0 if max(helps.values()) < TARGET else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
