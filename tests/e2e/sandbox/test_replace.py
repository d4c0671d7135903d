"""A new candidate replaces the old one under load: no request lost, queries follow."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from rollout_engine.errors import SandboxError
from rollout_engine.sandbox.loadgen import LoadConfig, LoadGenerator
from rollout_engine.sandbox.net import http_get
from rollout_engine.sandbox.processes import CANDIDATE, AppSpec, Sandbox
from tests.e2e.sandbox.conftest import QUIET
from tests.e2e.sandbox.fragments import routing

pytestmark = pytest.mark.slow  # real nginx, Prometheus and processes


def test_replacing_the_candidate_drops_nothing_and_relabels_its_target(sandbox: Sandbox) -> None:
    sandbox.apply(routing(listen=sandbox.front_listen, upstreams=sandbox.upstreams(), weight=50))
    old = sandbox.apps[CANDIDATE]
    config = LoadConfig(sandbox.front_url + "/", rate_per_s=300, threads=3)
    with LoadGenerator(config) as load:
        load.wait_for(100, timeout=10)
        new = sandbox.replace_app(
            CANDIDATE,
            AppSpec("v3", QUIET, sleep_scale=0.0),
            render=lambda ups: routing(listen=sandbox.front_listen, upstreams=ups, weight=50),
        )
        since = load.mark()
        load.wait_for(load.counts().total + 200, timeout=10)
    counts = load.counts()
    assert counts.errors == 0 and set(counts.statuses) == {200}, load.failures
    assert set(load.counts(since=since).served) == {"v1", "v3"}
    assert not old.child.alive() and new.port != old.port
    assert sandbox.upstreams()[CANDIDATE] == [new.address]
    targets = yaml.safe_load(sandbox.prometheus.targets_file.read_text())
    assert {"targets": [new.address], "labels": {"track": "candidate", "version": "v3"}} in targets
    sandbox.prometheus.wait_scraped([new.address])


def test_promtool_accepts_the_generated_configuration(sandbox: Sandbox) -> None:
    config = Path(sandbox.prometheus.root / "prometheus.yml")
    result = subprocess.run(
        ["promtool", "check", "config", str(config)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_replacement_that_cannot_start_leaves_the_running_version_in_place(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rollout_engine.sandbox import processes

    current = sandbox.apps[CANDIDATE]
    monkeypatch.setattr(
        processes, "app_argv", lambda **_: [sys.executable, "-c", "print('no port'); exit(3)"]
    )
    with pytest.raises(SandboxError, match="app-candidate-v4 exited:\nno port"):
        sandbox.replace_app(
            CANDIDATE,
            AppSpec("v4", QUIET),
            render=lambda ups: routing(listen=sandbox.front_listen, upstreams=ups, weight=100),
        )
    assert sandbox.apps[CANDIDATE] is current and current.child.alive()
    reply = http_get(sandbox.front_url + "/", timeout=5)
    assert reply is not None and reply.status == 200


def test_a_sandbox_starts_once(sandbox: Sandbox) -> None:
    with pytest.raises(SandboxError, match="starts once"):
        sandbox.start("")
