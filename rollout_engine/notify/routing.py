"""Which subscriptions hear about an event. Pure: values in, values out.

A Rollout's ``spec.notifications`` are its subscriptions; the controller's
defaults apply only when it has none (as Flagger's global notifier applies
only to canaries without alerts). Each subscription names the events it
wants (``step-completed`` is opt-in: it is not in the default list) and the
quietest severity it hears, with Flagger's semantics: ``info`` gets
everything, ``warn`` gets warn and error, ``error`` gets errors only.

A subscription becomes a ``Target`` with a stable, secret-free ``id`` built
from what identifies the destination (type, Secret name and key, channel).
The outbox keys entries by it, so two identical subscriptions collapse into
one message and reordering ``spec.notifications`` changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rollout_engine.api.meta import SecretKeySelector
from rollout_engine.api.notifications import NotificationSubscription, Severity
from rollout_engine.api.rollout import Rollout
from rollout_engine.notify.config import NotifyConfig
from rollout_engine.notify.events import RolloutEvent, severity_rank

__all__ = ["Target", "route", "targets_for"]


@dataclass(frozen=True)
class Target:
    """One destination of a Rollout's notifications, without its URL."""

    id: str
    label: str
    type: str
    channel: str | None
    secret_namespace: str
    secret: SecretKeySelector
    events: frozenset[str]
    severity: Severity
    path: str

    def wants(self, event: RolloutEvent) -> bool:
        """The event type is subscribed and at least as severe as the threshold."""
        return event.type in self.events and severity_rank(event.severity) >= severity_rank(
            self.severity
        )


def targets_for(rollout: Rollout, config: NotifyConfig) -> tuple[Target, ...]:
    """The Rollout's own subscriptions, or the controller's defaults when it has none."""
    own = rollout.spec.notifications
    if own:
        namespace = rollout.metadata.namespace or "default"
        return _targets(own, namespace=namespace, prefix="", path="spec.notifications")
    return _targets(
        config.defaults,
        namespace=config.defaults_namespace,
        prefix="default:",
        path="controller defaults",
    )


def route(event: RolloutEvent, targets: Sequence[Target]) -> tuple[Target, ...]:
    """The targets that want ``event``, each destination once."""
    chosen: dict[str, Target] = {}
    for target in targets:
        if target.wants(event):
            chosen.setdefault(target.id, target)
    return tuple(chosen.values())


def _targets(
    subscriptions: Sequence[NotificationSubscription], *, namespace: str, prefix: str, path: str
) -> tuple[Target, ...]:
    out = []
    for index, sub in enumerate(subscriptions):
        ref = sub.url_from.secret_key_ref
        ident = f"{prefix}{sub.type}:{ref.name}/{ref.key}" + (
            f"@{sub.channel}" if sub.channel else ""
        )
        out.append(
            Target(
                id=ident,
                label=f"{'default ' if prefix else ''}subscription #{index}",
                type=sub.type,
                channel=sub.channel,
                secret_namespace=namespace,
                secret=ref,
                events=frozenset(sub.events),
                severity=sub.severity,
                path=f"{path}[{index}]",
            )
        )
    return tuple(out)
