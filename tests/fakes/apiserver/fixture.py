"""pytest fixtures: `apiserver` (a started FakeApiServer per test) and `make_apiserver`
(a factory for tests that need a custom ServerConfig or several servers).

Registered for the whole suite through `tests/conftest.py`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from .cluster import ServerConfig
from .handle import FakeApiServer


@pytest.fixture
def make_apiserver(tmp_path: Path) -> Iterator[Callable[..., FakeApiServer]]:
    started: list[FakeApiServer] = []

    def make(**config: object) -> FakeApiServer:
        workdir = tmp_path / f"apiserver-{len(started)}"
        workdir.mkdir()
        server = FakeApiServer(workdir=workdir, config=ServerConfig(**config))  # type: ignore[arg-type]
        started.append(server.start())
        return server

    yield make
    for server in started:
        server.stop()


@pytest.fixture
def apiserver(make_apiserver: Callable[..., FakeApiServer]) -> FakeApiServer:
    """A fake Kubernetes API server on a free loopback port, stopped after the test."""
    return make_apiserver()
