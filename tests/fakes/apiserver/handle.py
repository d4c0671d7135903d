"""`FakeApiServer`: a running fake and every control a test scripts it with.

The public surface other tests are written against (keep it stable):
`url`, `kubeconfig`, `kubeconfig_for(identity)`, `token_for(identity)`, `store`
(DirectStore), `journal`, `faults`, `admission`, `world`, `authorize()`, `wipe()`, `install_crds()`,
`api_client()`, `kubectl()`, `kubectl_popen()`, `active_watches()`, `stop()`.
"""

from __future__ import annotations

import os
import subprocess
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from .app import App
from .auth import Identities, write_kubeconfig
from .authz import Authorizer
from .cluster import Cluster, ServerConfig
from .direct import DirectStore
from .faults import Faults
from .journal import Journal
from .server import HttpServer
from .tls import serving_cert
from .watching import WatchRegistry
from .world import World

ISTIO_CRDS = Path(__file__).parent / "crds" / "istio.yaml"
DEFAULT_IDENTITY = "admin"


class FakeApiServer:
    """Start with `start()` (or use as a context manager); stop with `stop()`."""

    def __init__(self, *, workdir: Path, config: ServerConfig | None = None) -> None:
        self.workdir = workdir
        self.cluster = Cluster(config)
        self.journal = Journal()
        self.identities = Identities()
        self.watches = WatchRegistry(self.cluster)
        self.faults = Faults(wake=self.watches.wake)
        self.faults.cut = self.watches.cut
        self.store = DirectStore(self.cluster)
        self.world = World(self.cluster)
        self.admission = self.cluster.admission
        self._http: HttpServer | None = None
        self._thread: threading.Thread | None = None
        self._kubeconfigs: dict[str, Path] = {}
        self._authorizer: Authorizer | None = None

    def start(self) -> FakeApiServer:
        self._http = HttpServer(self.watches, serving_cert().server_context())
        address = self._http.url.removeprefix("https://")
        self._http.app = App(
            cluster=self.cluster,
            journal=self.journal,
            faults=self.faults,
            identities=self.identities,
            watches=self.watches,
            address=address,
        )
        self._http.app.authorizer = self._authorizer
        self._thread = threading.Thread(
            target=self._http.serve_forever,
            name="fake-apiserver",
            kwargs={"poll_interval": 0.05},
            daemon=True,
        )
        self._thread.start()
        self.kubeconfig_for(DEFAULT_IDENTITY)
        return self

    def stop(self) -> None:
        if self._http is None:
            return
        self.watches.stop()
        self.faults.heal()
        self._http.shutdown()
        self._http.close_connections()
        self._http.server_close()
        self._http = None

    def __enter__(self) -> FakeApiServer:
        return self if self._http else self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if self._http is None:
            raise RuntimeError("the fake apiserver is not running")
        return self._http.url

    @property
    def kubeconfig(self) -> Path:
        """Kubeconfig of the default identity (`admin`)."""
        return self.kubeconfig_for(DEFAULT_IDENTITY)

    def token_for(self, identity: str) -> str:
        return self.identities.token_for(identity)

    def kubeconfig_for(self, identity: str) -> Path:
        """A kubeconfig whose current context authenticates as `identity`."""
        if identity not in self._kubeconfigs:
            safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in identity)
            path = self.workdir / f"kubeconfig-{safe}.yaml"
            write_kubeconfig(
                path,
                url=self.url,
                users={identity: self.token_for(identity)},
                current=identity,
                ca_pem=serving_cert().pem,
            )
            self._kubeconfigs[identity] = path
        return self._kubeconfigs[identity]

    def wipe(self) -> None:
        """Lose every object and CRD (a rebuilt cluster); open watches are cut."""
        self.cluster.wipe()
        self.watches.cut()

    def install_crds(self, source: Path | str | Iterable[dict[str, Any]] = ISTIO_CRDS) -> list[str]:
        """Install CRDs directly (no HTTP, no journal); returns their names."""
        docs = (
            yaml.safe_load_all(Path(source).read_text())
            if isinstance(source, str | Path)
            else source
        )
        names = []
        for doc in docs:
            if doc and doc.get("kind") == "CustomResourceDefinition":
                names.append(self.store.put(doc)["metadata"]["name"])
        return names

    def authorize(self, authorizer: Authorizer | None) -> None:
        """Install (or with None remove) the authorizer every resource request must pass."""
        self._authorizer = authorizer
        if self._http is not None:
            self._http.app.authorizer = authorizer

    def active_watches(self, resource: str | None = None) -> int:
        return self.watches.active(resource=resource)

    def api_client(self, identity: str = DEFAULT_IDENTITY) -> Any:
        """A `kubernetes.client.ApiClient` authenticated as `identity`."""
        from kubernetes import config

        path = str(self.kubeconfig_for(identity))
        return config.new_client_from_config(config_file=path)

    def _kubectl_argv(self, args: Iterable[str], identity: str) -> list[str]:
        return [
            "kubectl",
            f"--kubeconfig={self.kubeconfig_for(identity)}",
            f"--cache-dir={self.workdir / 'kubectl-cache'}",
            *args,
        ]

    def kubectl_env(self) -> dict[str, str]:
        return {k: v for k, v in os.environ.items() if k != "KUBECONFIG"}

    def kubectl(
        self,
        *args: str,
        identity: str = DEFAULT_IDENTITY,
        input: str | None = None,
        timeout: float = 30.0,
        check: bool = True,
    ) -> subprocess.CompletedProcess[str]:
        """Run the real kubectl against this server; raises on failure when `check`."""
        result = subprocess.run(
            self._kubectl_argv(args, identity),
            input=input,
            text=True,
            capture_output=True,
            timeout=timeout,
            env=self.kubectl_env(),
            check=False,
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"kubectl {' '.join(args)} failed ({result.returncode}):\n"
                f"{result.stdout}\n{result.stderr}"
            )
        return result

    def kubectl_popen(self, *args: str, identity: str = DEFAULT_IDENTITY) -> subprocess.Popen[str]:
        """Start kubectl in the background (e.g. `get -w`); the caller must end it."""
        return subprocess.Popen(
            self._kubectl_argv(args, identity),
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=self.kubectl_env(),
        )
