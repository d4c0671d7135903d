"""HTTPS/1.1 over a loopback socket: the stdlib `ThreadingHTTPServer`, one thread per
connection, so long-lived watches and ordinary requests are served side by side.

Responses carry Content-Length; watches use chunked transfer encoding and end with the
terminating zero-length chunk (clients such as kubectl treat a stream without it as a
broken connection), unless a test asks for an abrupt cut.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from .app import App, HttpRequest, HttpResponse
from .watching import WatchRegistry

_READ_CAP = 64 * 1024 * 1024


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: HttpServer

    def setup(self) -> None:
        """TLS handshake here, in the connection's thread, not in the accept loop."""
        self.request.settimeout(10)
        self.request.do_handshake()
        self.request.settimeout(None)
        super().setup()

    def do_GET(self) -> None:
        self._serve()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the journal is the log."""

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            body = b""
            while (size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)) > 0:
                body += self.rfile.read(size)
                self.rfile.readline()
            self.rfile.readline()
            return body
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(min(length, _READ_CAP)) if length else b""

    def _serve(self) -> None:
        url = urlsplit(self.path)
        request = HttpRequest(
            method=self.command,
            path=url.path,
            query=dict(parse_qsl(url.query)),
            raw_query=url.query,
            headers={k.lower(): v for k, v in self.headers.items()},
            body=self._read_body(),
        )
        response = self.server.app.handle(request)
        if response.drop:
            self._drop()
        elif response.stream is not None or response.canned_stream:
            self._stream(response)
        else:
            self._send(response)

    def _send(self, response: HttpResponse) -> None:
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        self.wfile.write(response.body)

    def _stream(self, response: HttpResponse) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        session = response.stream
        try:
            lines = session.lines() if session is not None else iter([response.canned_stream])
            for line in lines:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(line), line))
            if session is not None and session.abrupt:
                self._drop()
                return
            self.wfile.write(b"0\r\n\r\n")
        except OSError:
            self.close_connection = True
        finally:
            if session is not None:
                self.server.watches.discard(session)

    def _drop(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)


class HttpServer(ThreadingHTTPServer):
    """Tracks its connections so `stop()` can end them instead of leaking threads."""

    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 128

    app: App

    def __init__(self, watches: WatchRegistry, tls: ssl.SSLContext) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.socket = tls.wrap_socket(self.socket, server_side=True, do_handshake_on_connect=False)
        self.watches = watches
        self._connections: set[socket.socket] = set()
        self._conn_lock = threading.Lock()

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"https://{host!s}:{port}"

    def process_request(self, request: socket.socket, client_address: object) -> None:  # type: ignore[override]
        with self._conn_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: socket.socket) -> None:  # type: ignore[override]
        with self._conn_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: object, client_address: object) -> None:
        """Quiet about clients that hang up (kubectl's version probe resets its TLS
        connection); anything else is a bug in the fake and is printed."""
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]

    def close_connections(self) -> None:
        with self._conn_lock:
            connections = list(self._connections)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
