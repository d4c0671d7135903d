"""``python -m tests.fakes.oncall ARGS…``: ``kubectl rollout-engine ARGS…`` against a fake cluster.

For the README's on-call section, whose examples the README test runs: a
fresh fake API server holds the three rollouts of `tests.fakes.rollout_scene`
(statuses written by the real engine, measurements taken by the real
analysis module), the plugin runs in this process as user ``alice`` with the
clock fixed at 2026-03-01 12:00 UTC and intent ids fixed, so every output is
the same on every run. Nothing here is needed to use the plugin on a real
cluster.
"""

from __future__ import annotations

import os
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from rollout_engine.cli.plugin import PROG, app
from rollout_engine.cli.plugin import request as requests
from rollout_engine.cli.plugin import session as sessions
from tests.fakes.apiserver import FakeApiServer
from tests.fakes.rollout_scene import Scene

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
INTENT_ID = "3f2a9c1b7d6e4f5a8b9c"


def main(argv: list[str]) -> int:
    """Run the plugin with `argv` against the scenes; returns its exit code."""
    with tempfile.TemporaryDirectory() as tmp, FakeApiServer(workdir=Path(tmp)).start() as server:
        scene = Scene(server, now=NOW).install()
        scene.canary_at_analysis()
        scene.blue_green_failed()
        scene.ab_test_healthy()
        os.environ["KUBECONFIG"] = str(server.kubeconfig_for("alice"))
        sessions.clock = lambda: NOW
        requests.new_id = lambda: INTENT_ID
        try:
            app(argv, prog_name=PROG)
        except SystemExit as exit_:
            return int(exit_.code or 0)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
