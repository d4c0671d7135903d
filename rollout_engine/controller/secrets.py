"""Secret values, read by name with the controller's service account, at the moment of use.

Templates (``secretKeyRef`` arguments, Prometheus credentials) and
notification subscriptions (webhook URLs) name Secrets; the controller reads
exactly those, by ``get`` (its RBAC has no list or watch on Secrets), only
when a measurement or a send needs them, and keeps nothing. Errors name the
Secret and the key, never a value.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable

from rollout_engine.api.meta import SecretKeySelector
from rollout_engine.errors import NotFound, SpecError
from rollout_engine.kube import Objects, kind

__all__ = ["SecretReader"]

SECRET = kind("Secret")
SecretResolverFn = Callable[[SecretKeySelector], str]


class SecretReader:
    """``read(namespace, secretKeyRef) -> value``."""

    def __init__(self, objects: Objects) -> None:
        self._objects = objects

    def read(self, namespace: str, selector: SecretKeySelector) -> str:
        """The value of one key of one Secret.

        Raises:
            SpecError: the Secret or the key does not exist, or is not text.
        """
        where = f"Secret {namespace}/{selector.name}"
        try:
            secret = self._objects.get(SECRET, name=selector.name, namespace=namespace)
        except NotFound:
            raise SpecError(f"{where} not found") from None
        data = secret.get("data") or {}
        if selector.key not in data:
            raise SpecError(f"{where} has no key {selector.key!r}")
        try:
            return base64.b64decode(data[selector.key], validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            raise SpecError(f"{where} key {selector.key!r} is not base64-encoded text") from None

    def for_namespace(self, namespace: str) -> SecretResolverFn:
        """A resolver bound to one namespace (what ``analysis`` takes)."""

        def resolve(selector: SecretKeySelector) -> str:
            return self.read(namespace, selector)

        return resolve
