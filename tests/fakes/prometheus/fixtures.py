"""pytest fixtures: a real Prometheus with the test story (once a session) and a scriptable fake."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.prometheus.fake import FakePrometheus, fake_prometheus
from tests.fakes.prometheus.server import RealPrometheus, real_prometheus

__all__ = ["fake_prom", "prometheus"]


@pytest.fixture(scope="session")
def prometheus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RealPrometheus]:
    """The Debian Prometheus serving `tests.fakes.prometheus.data`, started once."""
    with real_prometheus(tmp_path_factory.mktemp("prometheus")) as server:
        yield server


@pytest.fixture
def fake_prom() -> Iterator[FakePrometheus]:
    """A fresh scriptable fake Prometheus."""
    with fake_prometheus() as fake:
        yield fake
