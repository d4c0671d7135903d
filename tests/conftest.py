"""Fixtures shared by every test tier."""

from __future__ import annotations

from tests.fakes.apiserver.fixture import apiserver, make_apiserver

__all__ = ["apiserver", "make_apiserver"]
