"""Fault injection: failing, slow, partitioned and broken-watch API servers on demand.

Rules match requests by verb (`get`, `list`, `watch`, `create`, `update`, `patch`,
`delete`, `deletecollection`, or `write` for all mutating verbs), resource (`leases`,
`leases.coordination.k8s.io`, or `rollouts/status` for a subresource only), identity,
namespace and name. A failing rule answers with a real-looking Status (409 Conflict,
429 with Retry-After, 500, 503, …) instead of running the request; a probabilistic rule
draws from its own seeded generator so runs repeat.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from . import errors
from .errors import ApiError
from .journal import WRITE_VERBS


@dataclass(frozen=True)
class Call:
    """What a rule is matched against."""

    identity: str
    verb: str
    plural: str
    qualified: str
    group: str
    subresource: str
    namespace: str
    name: str

    def resource_names(self) -> set[str]:
        names = {self.plural, self.qualified}
        if self.subresource:
            names |= {f"{n}/{self.subresource}" for n in names}
        return names


@dataclass(eq=False)
class Rule:
    """One injected behaviour; `times=None` means until removed."""

    status: int | None
    verbs: frozenset[str] | None
    resources: frozenset[str] | None
    identity: str | None
    namespace: str | None
    name: str | None
    times: int | None
    probability: float
    delay: float
    retry_after: int
    message: str
    hits: int = 0
    rng: random.Random = field(default_factory=random.Random)

    def matches(self, call: Call) -> bool:
        return (
            (self.verbs is None or call.verb in self.verbs)
            and (self.resources is None or bool(self.resources & call.resource_names()))
            and self.identity in (None, call.identity)
            and self.namespace in (None, call.namespace)
            and self.name in (None, call.name)
        )

    def error(self, call: Call) -> ApiError:
        if self.status == 409:
            return errors.conflict(
                qualified=call.qualified, group=call.group, resource=call.plural, name=call.name
            )
        if self.status == 429:
            return errors.too_many_requests(self.retry_after)
        if self.status == 500:
            return errors.internal(self.message)
        if self.status == 503:
            return errors.unavailable()
        if self.status == 504:
            return errors.timeout()
        return ApiError(self.status or 500, "", self.message)


@dataclass(eq=False)
class _Expiry:
    resources: frozenset[str] | None
    remaining: int


def _verbs(verb: str | Iterable[str] | None) -> frozenset[str] | None:
    if verb is None:
        return None
    names = {verb} if isinstance(verb, str) else set(verb)
    if "write" in names:
        names = (names - {"write"}) | WRITE_VERBS
    return frozenset(names)


def _names(value: str | Iterable[str] | None) -> frozenset[str] | None:
    if value is None:
        return None
    return frozenset({value} if isinstance(value, str) else value)


class Faults:
    """The fault controls a test scripts (see the fixture's documentation)."""

    def __init__(self, *, wake: Callable[[], None]) -> None:
        self._lock = threading.Lock()
        self._rules: list[Rule] = []
        self._expiries: list[_Expiry] = []
        self._stalls: list[tuple[frozenset[str] | None, str | None]] = []
        self._blackholed: set[str] = set()
        self._healed = threading.Condition(self._lock)
        self._wake = wake
        self.cut: Callable[..., int] = lambda **_: 0

    def fail(
        self,
        status: int,
        *,
        verb: str | Iterable[str] | None = None,
        resource: str | Iterable[str] | None = None,
        identity: str | None = None,
        namespace: str | None = None,
        name: str | None = None,
        times: int | None = 1,
        probability: float = 1.0,
        retry_after: int = 1,
        seed: int = 0,
        message: str = "injected fault",
    ) -> Rule:
        """Answer the next `times` matching requests (None: all) with `status`."""
        rule = Rule(
            status,
            _verbs(verb),
            _names(resource),
            identity,
            namespace,
            name,
            times,
            probability,
            0.0,
            retry_after,
            message,
            rng=random.Random(seed),
        )
        with self._lock:
            self._rules.append(rule)
        return rule

    def delay(
        self,
        seconds: float,
        *,
        verb: str | Iterable[str] | None = None,
        resource: str | Iterable[str] | None = None,
        identity: str | None = None,
        times: int | None = None,
    ) -> Rule:
        """Hold matching requests for `seconds` before serving them."""
        rule = Rule(
            None, _verbs(verb), _names(resource), identity, None, None, times, 1.0, seconds, 0, ""
        )
        with self._lock:
            self._rules.append(rule)
        return rule

    def remove(self, rule: Rule) -> None:
        with self._lock:
            if rule in self._rules:
                self._rules.remove(rule)

    def clear(self) -> None:
        """Drop every rule, expiry and stall, and heal every partition."""
        with self._lock:
            self._rules.clear()
            self._expiries.clear()
            self._stalls.clear()
            self._blackholed.clear()
            self._healed.notify_all()
        self._wake()

    def check(self, call: Call) -> tuple[float, ApiError | None, str]:
        """(delay, error, description) for a request; consumes `times` of matching rules."""
        delay, error, described = 0.0, None, []
        with self._lock:
            for rule in list(self._rules):
                if not rule.matches(call) or rule.rng.random() >= rule.probability:
                    continue
                rule.hits += 1
                if rule.times is not None:
                    rule.times -= 1
                    if rule.times <= 0:
                        self._rules.remove(rule)
                delay += rule.delay
                if rule.status is not None and error is None:
                    error = rule.error(call)
                    described.append(f"status {rule.status}")
                elif rule.delay:
                    described.append(f"delay {rule.delay}s")
        return delay, error, ", ".join(described)

    def expire_next_watch(
        self, *, resource: str | Iterable[str] | None = None, times: int = 1
    ) -> None:
        """The next `times` matching watches get a 410 Expired ERROR event."""
        with self._lock:
            self._expiries.append(_Expiry(_names(resource), times))

    def take_expiry(self, call: Call) -> bool:
        with self._lock:
            for entry in self._expiries:
                if entry.resources is None or entry.resources & call.resource_names():
                    entry.remaining -= 1
                    if entry.remaining <= 0:
                        self._expiries.remove(entry)
                    return True
        return False

    def cut_watches(
        self, *, resource: str | None = None, identity: str | None = None, abrupt: bool = False
    ) -> int:
        """End open watches now: cleanly (terminating chunk) or abruptly (socket closed)."""
        return self.cut(resource=resource, identity=identity, abrupt=abrupt)

    def stall_watches(self, *, resource: str | None = None, identity: str | None = None) -> None:
        """Matching watches stay open but deliver nothing (no events, no bookmarks)."""
        with self._lock:
            self._stalls.append((_names(resource), identity))
        self._wake()  # NB: a stream waiting for its next bookmark goes silent now, not after it

    def resume_watches(self) -> None:
        with self._lock:
            self._stalls.clear()
        self._wake()

    def stalled(self, call: Call) -> bool:
        with self._lock:
            return any(
                (names is None or names & call.resource_names()) and who in (None, call.identity)
                for names, who in self._stalls
            )

    def blackhole(self, identity: str) -> None:
        """Requests from `identity` hang unanswered until healed, then the connection drops."""
        with self._lock:
            self._blackholed.add(identity)

    def heal(self, identity: str | None = None) -> None:
        with self._lock:
            if identity is None:
                self._blackholed.clear()
            else:
                self._blackholed.discard(identity)
            self._healed.notify_all()
        self._wake()

    def blackholed(self, identity: str) -> bool:
        with self._lock:
            return identity in self._blackholed

    def wait_while_blackholed(self, identity: str, *, stopping: threading.Event) -> None:
        with self._lock:
            while identity in self._blackholed and not stopping.is_set():
                self._healed.wait(0.2)
