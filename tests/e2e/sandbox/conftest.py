"""One real sandbox (two apps, nginx, Prometheus) shared by the e2e tests of a module."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from rollout_engine.sandbox.behaviour import Behaviour
from rollout_engine.sandbox.processes import AppSpec, Sandbox, SandboxOptions
from tests.e2e.sandbox.fragments import routing

# NB: no errors and no waits: these tests measure routing, not behaviour.
QUIET = Behaviour(error_rate=0.0, latency_median_ms=1.0, latency_sigma=0.1)


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    parent: Path = tmp_path_factory.mktemp("sandboxes")
    box = Sandbox(
        stable=AppSpec("v1", QUIET, sleep_scale=0.0, seed=1),
        candidate=AppSpec("v2", QUIET, sleep_scale=0.0, seed=2),
        options=SandboxOptions(scrape_interval_s=1.0, parent_dir=parent),
    )
    with box:
        box.start(routing(listen=box.front_listen, upstreams=box.upstreams(), weight=0),
                  wait_scraped=False)  # fmt: skip
        yield box
    assert not box.root.exists()
