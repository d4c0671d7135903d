"""Client identities: one bearer token per user, and kubeconfigs that use them.

The journal, the fault rules (per-identity blackholes) and the admission hooks tell
clients apart by the user behind the token, as a real server's authenticator would.
Requests without a known token get 401, like a cluster with anonymous auth disabled.
"""

from __future__ import annotations

import base64
import threading
from pathlib import Path

import yaml


class Identities:
    """Token ↔ user name; tokens are derived from names so they are easy to read in logs."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._users: dict[str, str] = {}

    def token_for(self, identity: str) -> str:
        with self._lock:
            token = f"fake-token-{identity}"
            self._users[token] = identity
            return token

    def identify(self, authorization: str | None) -> str | None:
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer":
            return None
        with self._lock:
            return self._users.get(token.strip())


def write_kubeconfig(
    path: Path,
    *,
    url: str,
    users: dict[str, str],
    current: str,
    ca_pem: bytes,
    namespace: str = "default",
) -> Path:
    """A kubeconfig with one context per user (named after the user), `current` selected."""
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "preferences": {},
        "clusters": [
            {
                "name": "fake",
                "cluster": {
                    "server": url,
                    "certificate-authority-data": base64.b64encode(ca_pem).decode(),
                },
            }
        ],
        "users": [{"name": name, "user": {"token": token}} for name, token in users.items()],
        "contexts": [
            {"name": name, "context": {"cluster": "fake", "user": name, "namespace": namespace}}
            for name in users
        ],
        "current-context": current,
    }
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path
