"""Run a real nginx (Debian's 1.22) with a rendered fragment, plus loopback backends.

The fragment from :func:`strategies.routers.local_nginx.render_local_nginx`
goes inside ``http {}``; :func:`wrap` writes the rest of a configuration
that runs unprivileged in a temporary directory.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def wrap(directory: Path, fragment: str) -> Path:
    """Write ``nginx.conf`` (including `fragment`) into `directory`; return its path."""
    (directory / "tmp").mkdir(exist_ok=True)
    (directory / "rollout.conf").write_text(fragment)
    temp = directory / "tmp"
    conf = directory / "nginx.conf"
    conf.write_text(
        f"""pid {directory}/nginx.pid;
error_log {directory}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {temp};
    proxy_temp_path {temp};
    fastcgi_temp_path {temp};
    uwsgi_temp_path {temp};
    scgi_temp_path {temp};
    include {directory}/rollout.conf;
}}
"""
    )
    return conf


def free_port() -> int:
    """A TCP port free on loopback right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def backend(name: str) -> Iterator[str]:
    """An HTTP server on loopback that answers every GET with `name`; yields ``host:port``."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = name.encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def running_nginx(directory: Path, conf: Path, port: int) -> Iterator[subprocess.Popen[bytes]]:
    """nginx in the foreground with `conf`, until the block ends."""
    process = subprocess.Popen(
        [NGINX, "-p", str(directory), "-c", str(conf), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        _wait_for_port(port, process)
        yield process
    finally:
        process.terminate()
        process.wait(timeout=10)


def reload(directory: Path, conf: Path) -> None:
    """``nginx -s reload`` for the instance of `conf`."""
    subprocess.run(
        [NGINX, "-p", str(directory), "-c", str(conf), "-s", "reload"],
        check=True,
        capture_output=True,
    )


def _wait_for_port(port: int, process: subprocess.Popen[bytes]) -> None:
    for _ in range(100):
        if process.poll() is not None:
            raise RuntimeError(
                f"nginx exited: {process.stderr.read().decode() if process.stderr else ''}"
            )
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nginx did not listen on {port}")
