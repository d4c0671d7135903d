"""Request matches shared by the renderers: literal escaping and cookie patterns.

Escaping every non-alphanumeric character with a backslash is valid in both
RE2 (Istio/Envoy) and PCRE (nginx), so a header value or cookie name can
never change the structure of a pattern.
"""

from __future__ import annotations

import re

from rollout_engine.api.routing import RouteMatch

__all__ = ["DEFAULT_COOKIE_VALUE", "cookie_pattern", "escape", "header_pattern"]

DEFAULT_COOKIE_VALUE = "always"
"""A cookie match without a value matches ``always`` (ingress-nginx's convention)."""


def escape(text: str) -> str:
    """`text` as a regex literal (RE2 and PCRE)."""
    return re.sub(r"([^A-Za-z0-9])", r"\\\1", text)


def cookie_pattern(name: str, value: str | None) -> str:
    """A regex over the whole ``Cookie`` header that finds ``name=value`` among the cookies.

    Unlike the pattern in Istio's and Flagger's examples, it allows the space
    browsers put after ``;``.
    """
    pair = f"{escape(name)}={escape(value or DEFAULT_COOKIE_VALUE)}"
    return rf"^(.*?;\s*)?({pair})(;.*)?$"


def header_pattern(match: RouteMatch) -> str:
    """A full-match regex equivalent to a header match (exact, prefix or regex)."""
    value = match.header_value
    assert value is not None
    if value.exact is not None:
        return f"^{escape(value.exact)}$"
    if value.prefix is not None:
        return f"^{escape(value.prefix)}.*$"
    return f"^(?:{value.regex})$"
