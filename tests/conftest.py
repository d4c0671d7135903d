"""Fixtures shared by every test tier."""

from __future__ import annotations

from tests.fakes.prometheus.fixtures import fake_prom, prometheus

__all__ = ["fake_prom", "prometheus"]
