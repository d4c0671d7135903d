"""The load generator: marked share, counts per version and window, retries on stale
connections, and no error hidden."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from rollout_engine.sandbox.loadgen import Counts, LoadConfig, LoadGenerator, Marker, Record


class _Echo(BaseHTTPRequestHandler):
    """Names itself 'marked' when the A/B header or cookie came, else 'plain'."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    close_silently = False  # set on the class by a test: drop keep-alive without saying so

    def do_GET(self) -> None:
        marked = self.headers.get("X-Segment") == "beta" or "beta=always" in (
            self.headers.get("Cookie") or ""
        )
        self.send_response(200)
        self.send_header("X-Sandbox-Version", "marked" if marked else "plain")
        self.send_header("Content-Length", "0")
        self.end_headers()
        if type(self).close_silently:
            self.close_connection = True

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def echo() -> Iterator[tuple[str, type[_Echo]]]:
    handler = type("Echo", (_Echo,), {})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", handler
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.mark.parametrize(
    "marker", [Marker(header=("X-Segment", "beta")), Marker(cookie=("beta", "always"))]
)
def test_the_marked_share_carries_the_marker_and_only_it(
    echo: tuple[str, type[_Echo]], marker: Marker
) -> None:
    url, _ = echo
    config = LoadConfig(url, rate_per_s=None, threads=3, limit=600, marked_share=0.3, marker=marker)
    with LoadGenerator(config) as load:
        counts = load.wait_for(600, timeout=30)
    assert counts.total == 600 and counts.errors == 0
    assert dict(counts.marked) == {"marked": sum(counts.marked.values())}
    assert dict(counts.unmarked) == {"plain": sum(counts.unmarked.values())}
    assert 0.22 < counts.share("marked") < 0.38


def test_a_limit_is_exact_and_windows_add_up(echo: tuple[str, type[_Echo]]) -> None:
    url, _ = echo
    with LoadGenerator(LoadConfig(url, rate_per_s=None, threads=4, limit=250)) as load:
        load.wait_for(250, timeout=30)
    load.stop()
    assert load.counts().total == 250
    windows = load.windows()
    assert sum(w.counts.total for w in windows) == 250
    assert all(w.end_s - w.start_s == 1.0 for w in windows)
    assert load.counts(since=load.mark() + 1).total == 0


def test_a_connection_the_server_dropped_is_retried_once_not_counted_as_error(
    echo: tuple[str, type[_Echo]],
) -> None:
    url, handler = echo
    handler.close_silently = True  # keep-alive promised, then closed: every reuse fails
    with LoadGenerator(LoadConfig(url, rate_per_s=None, threads=2, limit=100)) as load:
        counts = load.wait_for(100, timeout=30)
    assert counts.errors == 0 and counts.statuses == {200: 100}
    assert load.reconnects > 0


def test_nothing_listening_is_an_error_for_every_request() -> None:
    with socket.socket() as bound:  # bound, not listening: connections are refused
        bound.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{bound.getsockname()[1]}/"
        config = LoadConfig(url, rate_per_s=None, threads=1, limit=5)
        with LoadGenerator(config) as load:
            counts = load.wait_for(5, timeout=30)
    assert counts.errors == 5 and counts.statuses == {0: 5}
    assert load.failures and "Connection" in load.failures[0]


def test_shares_per_segment_and_a_missing_version() -> None:
    counts = Counts.of(
        [
            Record(0.1, 0.11, "v1", 200, marked=False),
            Record(0.2, 0.21, "v2", 200, marked=True),
            Record(0.3, 0.31, "v2", 500, marked=False),
            Record(0.4, 0.41, "?", 502, marked=False),
        ]
    )
    assert counts.share("v2") == 0.5
    assert counts.share("v2", segment="marked") == 1.0
    assert counts.share("v1", segment="unmarked") == pytest.approx(1 / 3)
    assert counts.errors == 1  # nginx answered itself; a 500 from v2 is v2's answer
    assert counts.per_track({"stable": "v1", "candidate": "v2"}) == {"stable": 1, "candidate": 2}


@pytest.mark.parametrize(
    "bad",
    [
        {"marked_share": 0.5},
        {"marked_share": 1.5, "marker": Marker(header=("a", "b"))},
        {"rate_per_s": 0.0},
        {"threads": 0},
    ],
)
def test_an_impossible_load_is_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        LoadConfig("http://127.0.0.1:1/", **bad)  # type: ignore[arg-type]
