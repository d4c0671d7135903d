"""A protocol-faithful fake Kubernetes API server for tests.

Real clients (the official `kubernetes` python client, `kubectl`) talk to it over HTTP
on loopback. Tests script it through `FakeApiServer` (see `handle.py`): direct store
access, the request journal, fault injection, admission hooks and a small world
simulator. Approximations of a real apiserver are listed in README.md next to this file.
"""

from .admission import AdmissionRequest, istio_weights
from .authz import AuthzRequest
from .cluster import ServerConfig
from .errors import ApiError
from .handle import DEFAULT_IDENTITY, ISTIO_CRDS, FakeApiServer
from .journal import Journal, Record
from .world import World

__all__ = [
    "DEFAULT_IDENTITY",
    "ISTIO_CRDS",
    "AdmissionRequest",
    "ApiError",
    "AuthzRequest",
    "FakeApiServer",
    "Journal",
    "Record",
    "ServerConfig",
    "World",
    "istio_weights",
]
