"""Fixtures shared by every test tier."""

from __future__ import annotations

from tests.fakes.apiserver.fixture import apiserver, make_apiserver
from tests.fakes.prometheus.fixtures import fake_prom, prometheus

__all__ = ["apiserver", "fake_prom", "make_apiserver", "prometheus"]
