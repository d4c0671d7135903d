"""Call-time SSRF checks: schemes, the allowlist, and the addresses a host resolves to (T18)."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from rollout_engine.errors import NotifyError
from rollout_engine.notify import DestinationPolicy

FAKE_DNS = {
    "hooks.slack.com": ["34.226.36.48"],
    "kubernetes.default": ["10.96.0.1"],
    "localhost": ["127.0.0.1", "::1"],
    "metadata.google.internal": ["169.254.169.254"],
    "rebind.example": ["34.226.36.48", "169.254.169.254"],
    "mapped.example": ["::ffff:169.254.169.254"],
    "cgnat.example": ["100.64.1.2"],
    "hooks.internal": ["10.1.2.3"],
}


def resolver(host: str, port: int) -> Sequence[str]:
    if host not in FAKE_DNS:
        raise OSError(-2, "Name or service not known")
    return FAKE_DNS[host]


def _check(url: str, **policy: object) -> None:
    DestinationPolicy(resolver=resolver, **policy).check_url(url, label="slack webhook")  # type: ignore[arg-type]


def _refusal(url: str, **policy: object) -> NotifyError:
    with pytest.raises(NotifyError) as info:
        _check(url, **policy)
    assert "slack webhook" in str(info.value)
    return info.value


def test_a_public_https_host_is_allowed() -> None:
    _check("https://hooks.slack.com/services/T0/B0/x")


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is link-local"),
        ("http://metadata.google.internal/", "link-local (cloud metadata)"),
        ("http://[fd00:ec2::254]/", "fd00:ec2::254 is link-local"),
        ("http://mapped.example/", "169.254.169.254 is link-local"),
        ("http://rebind.example/", "169.254.169.254 is link-local"),
        ("http://kubernetes.default/", "10.96.0.1 is loopback or private"),
        ("http://localhost:8080/", "127.0.0.1 is loopback or private"),
        ("http://127.0.0.1:9/", "127.0.0.1 is loopback or private"),
        ("http://cgnat.example/", "100.64.1.2 is loopback or private"),
        ("http://0.0.0.0/", "not a unicast address"),
    ],
)
def test_metadata_link_local_and_private_destinations_are_refused(url: str, why: str) -> None:
    error = _refusal(url)
    assert why in str(error)
    assert error.permanent


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("ftp://hooks.slack.com/x", "only http and https"),
        ("file:///etc/passwd", "only http and https"),
        ("https://user:pw@hooks.slack.com/x", "credentials in the URL"),
        ("https:///nohost", "has no host"),
        ("https://hooks.slack.com:99999/x", "malformed"),
    ],
)
def test_bad_urls_are_refused_without_quoting_them(url: str, why: str) -> None:
    error = _refusal(url)
    assert why in str(error) and error.permanent
    assert url not in str(error) and "pw" not in str(error)


def test_link_local_stays_refused_even_when_allowlisted_or_private_is_allowed() -> None:
    error = _refusal(
        "http://169.254.169.254/", allowed_hosts=frozenset({"169.254.169.254"}), allow_private=True
    )
    assert "link-local" in str(error)


def test_an_allowlist_entry_with_a_port_allows_that_port_only() -> None:
    allowed = frozenset({"127.0.0.1:8123"})
    _check("http://127.0.0.1:8123/hook", allowed_hosts=allowed)
    assert "not allowlisted" in str(_refusal("http://127.0.0.1:8124/hook", allowed_hosts=allowed))
    assert "not allowlisted" in str(_refusal("https://hooks.slack.com/x", allowed_hosts=allowed))


def test_an_allowlist_entry_without_a_port_means_the_default_port() -> None:
    allowed = frozenset({"hooks.slack.com", "hooks.internal"})
    _check("https://hooks.slack.com/x", allowed_hosts=allowed)
    _check("https://hooks.internal/x", allowed_hosts=allowed)  # allowlisted: private is fine
    _refusal("https://hooks.slack.com:8443/x", allowed_hosts=allowed)


def test_allow_private_admits_in_cluster_receivers() -> None:
    _check("http://hooks.internal:8080/x", allow_private=True)
    _refusal("http://hooks.internal:8080/x")


def test_an_unresolvable_host_is_a_retryable_error() -> None:
    error = _refusal("https://nowhere.example/x")
    assert "does not resolve" in str(error) and not error.permanent
    assert error.__context__ is None and error.__cause__ is None
