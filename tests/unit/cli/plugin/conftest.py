"""The plugin against the fake API server: a scene of rollouts and a way to run commands."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from typer.testing import CliRunner

from rollout_engine.cli.plugin import app
from rollout_engine.cli.plugin import session as sessions
from tests.fakes.apiserver import FakeApiServer
from tests.fakes.rollout_scene import Scene

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Ran:
    """One command's exit code and output."""

    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


@dataclass
class Plugin:
    """Runs ``kubectl rollout-engine …`` in-process with a kubeconfig of the fake."""

    server: FakeApiServer

    def __call__(self, *args: str, identity: str = "admin") -> Ran:
        kubeconfig = str(self.server.kubeconfig_for(identity))
        result = CliRunner().invoke(app, [*args, "--kubeconfig", kubeconfig])
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        return Ran(result.exit_code, result.stdout, result.stderr)


@pytest.fixture
def scene(apiserver: FakeApiServer, monkeypatch: pytest.MonkeyPatch) -> Scene:
    monkeypatch.setattr(sessions, "clock", lambda: NOW)
    return Scene(apiserver, now=NOW).install()


@pytest.fixture
def plugin(apiserver: FakeApiServer) -> Plugin:
    return Plugin(apiserver)
