"""Turn termination signals into exceptions, so every exit path runs the cleanup.

SIGINT already raises KeyboardInterrupt. SIGTERM and SIGHUP would kill the
interpreter without unwinding; :func:`exit_on_signals` makes them raise
``SystemExit(128 + signum)`` instead, so ``finally`` blocks and context
managers stop the children. :func:`deferred_signals` holds those signals
back while a cleanup runs (a second Ctrl-C must not cut it half way) and
re-raises the first one afterwards.

A raise from a handler can be lost: when the signal lands while Python runs a
fork hook, a finaliser or a weakref callback, the exception is printed as
"ignored" and the program carries on. So the handler also records the signal,
and the waiting loops call :func:`raise_if_pending` (or sleep through
:func:`sleep_or_exit`), which raises it again; a cleanup under
:func:`deferred_signals` forgets it, since the exit is already under way.

Python runs signal handlers in the main thread only; from other threads
these helpers do nothing, and the death signal of the children remains the
safety net.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

__all__ = [
    "TERMINATING",
    "deferred_signals",
    "exit_on_signals",
    "raise_for",
    "raise_if_pending",
    "sleep_or_exit",
]

TERMINATING = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
_Handler = Callable[[int, FrameType | None], object] | int | signal.Handlers | None


def raise_for(signum: int) -> None:
    """Raise what the signal means for the program: KeyboardInterrupt or SystemExit."""
    if signum == signal.SIGINT:
        raise KeyboardInterrupt
    raise SystemExit(128 + signum)


_pending: list[int] = []
"""Signals whose exception may have been swallowed (see the module docstring)."""


def raise_if_pending() -> None:
    """Raise again for a terminating signal whose first raise may have been lost."""
    if _pending:
        raise_for(_pending[0])


def sleep_or_exit(seconds: float) -> None:
    """``time.sleep`` for waiting loops that must notice a lost signal."""
    raise_if_pending()
    time.sleep(seconds)
    raise_if_pending()


def _raising(signum: int, frame: FrameType | None) -> None:
    _pending.append(signum)
    raise_for(signum)


@contextmanager
def exit_on_signals() -> Iterator[None]:
    """Within the block, SIGTERM and SIGHUP raise SystemExit (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {s: signal.signal(s, _raising) for s in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        _pending.clear()


@contextmanager
def deferred_signals() -> Iterator[list[int]]:
    """Record terminating signals during the block; re-raise the first one after it.

    Nothing is re-raised when the block itself failed: that error matters
    more, and the program is on its way out anyway.
    """
    received: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield received
        return
    _pending.clear()
    previous: dict[signal.Signals, _Handler] = {
        s: signal.signal(s, lambda signum, frame: received.append(signum)) for s in TERMINATING
    }
    failed = True
    try:
        yield received
        failed = False
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        if received and not failed:
            raise_for(received[0])
