"""The Prometheus client against a scriptable fake: what it sends, and every fault it must survive.

Covers reliability.md T3's pathological answers and the transport half of T2
(500/503, hangs, refused connections), plus credentials and TLS (T17).
"""

from __future__ import annotations

import logging
import math
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from analysis.args import ArgSources, resolve_args
from analysis.measure import measure
from analysis.providers.base import Matrix, Scalar, Vector
from analysis.providers.prometheus import PrometheusClient, PrometheusSettings, prometheus_from_spec
from analysis.providers.registry import build_provider
from analysis.spec import compile_run
from rollout_engine.api.meta import SecretKeySelector
from rollout_engine.api.metric import PrometheusProvider
from rollout_engine.api.template import AnalysisTemplateSpec
from rollout_engine.errors import BadResult, ProviderUnavailable, QueryError, SpecError
from tests.fakes.prometheus.fake import (
    FakePrometheus,
    Reply,
    error,
    fake_prometheus,
    matrix,
    scalar,
    vector,
)
from tests.fakes.prometheus.server import free_port

AT = datetime(2024, 5, 1, 0, 20, tzinfo=UTC)
TOKEN = "tok-7f3a9c"
PASSWORD = "pw-51be0d"


def client(url: str, **settings: object) -> PrometheusClient:
    return PrometheusClient(PrometheusSettings(address=url, **settings))  # type: ignore[arg-type]


def test_an_instant_query_is_evaluated_at_the_given_time(fake_prom: FakePrometheus) -> None:
    fake_prom.script(Reply(json=vector(0.98)))
    result = client(fake_prom.url).query(expr="up", at=AT)
    assert isinstance(result, Vector) and result.values == (0.98,)
    (sent,) = fake_prom.requests
    assert (sent.method, sent.path) == ("POST", "/api/v1/query")
    assert sent.params == {"query": "up", "time": f"{AT.timestamp():.3f}", "timeout": "30s"}


def test_a_range_query_sends_start_end_and_step(fake_prom: FakePrometheus) -> None:
    fake_prom.script(Reply(json=matrix([1.0, 2.0])))
    result = client(fake_prom.url, timeout=5.0).query_range(
        expr="up", start=AT - timedelta(minutes=5), end=AT, step=timedelta(seconds=30)
    )
    assert isinstance(result, Matrix) and result.values == (1.0, 2.0)
    sent = fake_prom.requests[0]
    assert sent.path == "/api/v1/query_range"
    assert sent.params["step"] == "30" and sent.params["timeout"] == "5s"
    assert float(sent.params["end"]) - float(sent.params["start"]) == 300


def test_queries_are_posted_as_form_data_and_never_in_the_url(fake_prom: FakePrometheus) -> None:
    long_query = "sum(" + " + ".join(f'x{{pod="p{i}"}}' for i in range(300)) + ")"
    client(fake_prom.url).query(expr=long_query, at=AT)
    sent = fake_prom.requests[0]
    assert sent.method == "POST" and sent.params["query"] == long_query
    assert sent.url_query == ""


def test_a_server_refusing_post_is_asked_with_get(fake_prom: FakePrometheus) -> None:
    fake_prom.script(Reply(status=405, body=b"method not allowed"), Reply(json=vector(0.5)))
    assert client(fake_prom.url).query(expr="up", at=AT).values == (0.5,)
    assert [r.method for r in fake_prom.requests] == ["POST", "GET"]
    assert fake_prom.requests[1].params["query"] == "up"


def test_headers_and_bearer_token_are_sent_but_never_shown(fake_prom: FakePrometheus) -> None:
    provider = PrometheusProvider(
        address=fake_prom.url,
        headers=[{"key": "X-Scope-OrgID", "value": "team-a"}],
        authentication={"bearerToken": {"secretKeyRef": {"name": "prom", "key": "token"}}},
    )
    asked: list[SecretKeySelector] = []

    def secrets(ref: SecretKeySelector) -> str:
        asked.append(ref)
        return TOKEN

    prom = prometheus_from_spec(provider, secrets=secrets)
    prom.query(expr="up", at=AT)
    headers = fake_prom.requests[0].headers
    assert headers["Authorization"] == f"Bearer {TOKEN}"
    assert headers["X-Scope-OrgID"] == "team-a"
    assert asked == [SecretKeySelector(name="prom", key="token")]
    assert TOKEN not in repr(prom) + repr(prom.settings)


def test_basic_auth_password_comes_from_the_secret(fake_prom: FakePrometheus) -> None:
    provider = PrometheusProvider(
        address=fake_prom.url,
        authentication={
            "basicAuth": {
                "username": "reader",
                "password": {"secretKeyRef": {"name": "p", "key": "k"}},
            }
        },
    )
    prom = prometheus_from_spec(provider, secrets=lambda ref: PASSWORD)
    prom.query(expr="up", at=AT)
    assert fake_prom.requests[0].headers["Authorization"].startswith("Basic ")
    assert PASSWORD not in repr(prom.settings)


def test_the_address_override_and_missing_addresses() -> None:
    provider = PrometheusProvider(query="up")
    with pytest.raises(SpecError, match="no Prometheus address"):
        prometheus_from_spec(provider, secrets=lambda ref: "")
    assert (
        prometheus_from_spec(
            provider, secrets=lambda ref: "", address="http://x:1"
        ).settings.address
        == "http://x:1"
    )
    with pytest.raises(SpecError, match="not an http"):
        PrometheusSettings(address="prometheus:9090")
    with pytest.raises(SpecError, match="line break"):
        PrometheusSettings(address="http://p", headers={"X-A": "a\r\nX-Injected: 1"})


def test_naive_times_are_refused(fake_prom: FakePrometheus) -> None:
    with pytest.raises(ValueError, match="timezone"):
        client(fake_prom.url).query(expr="up", at=datetime(2024, 5, 1))


@pytest.mark.parametrize(
    ("reply", "error_type", "text"),
    [
        (Reply(status=500, body=b"oops"), ProviderUnavailable, "HTTP 500"),
        (
            Reply(status=503, json=error("timeout", "query timed out in expression evaluation")),
            ProviderUnavailable,
            "HTTP 503 (timeout",
        ),
        (Reply(status=502, body=b"<html>bad gateway</html>"), ProviderUnavailable, "HTTP 502"),
        (
            Reply(status=400, json=error("bad_data", '1:5: parse error: unexpected "}"')),
            QueryError,
            "bad_data",
        ),
        (
            Reply(status=422, json=error("execution", "many-to-many matching not allowed")),
            QueryError,
            "execution",
        ),
        (Reply(status=401, body=b"Unauthorized"), ProviderUnavailable, "refused the credentials"),
        (
            Reply(status=302, headers={"Location": "http://169.254.169.254/"}, body=b""),
            ProviderUnavailable,
            "HTTP 302",
        ),
        (Reply(body=b"<html>Sign in</html>"), BadResult, "not JSON"),
        (
            Reply(json={"status": "success", "data": {"resultType": "string", "result": [1, "x"]}}),
            BadResult,
            "string",
        ),
        (Reply(body=b"[" + b"1," * (6 * 1024 * 1024) + b"1]"), BadResult, "larger than"),
        (Reply(body=b"x" * (11 * 1024 * 1024), length=False), BadResult, "larger than"),
    ],
)
def test_faults_map_to_distinct_errors(
    fake_prom: FakePrometheus, reply: Reply, error_type: type[Exception], text: str
) -> None:
    fake_prom.script(reply)
    prom = client(fake_prom.url, max_bytes=5 * 1024 * 1024 if reply.length else 10 * 1024 * 1024)
    with pytest.raises(error_type) as caught:
        prom.query(expr='x{token="s3cr3t"}', at=AT)
    assert text in str(caught.value)
    assert "s3cr3t" not in str(caught.value)
    assert len(fake_prom.requests) == 1  # no hidden retries: the run decides when to try again


def test_a_hang_past_the_timeout_is_unavailable_within_the_budget(
    fake_prom: FakePrometheus,
) -> None:
    fake_prom.script(Reply(delay=30))
    began = time.monotonic()
    with pytest.raises(ProviderUnavailable, match=r"did not answer within 0\.5s"):
        client(fake_prom.url, timeout=0.5).query(expr="up", at=AT)
    assert time.monotonic() - began < 3


def test_a_server_that_keeps_dripping_is_cut_at_the_timeout(fake_prom: FakePrometheus) -> None:
    fake_prom.script(Reply(body=b" " * 64 * 1024, drip=0.05))
    began = time.monotonic()
    with pytest.raises(ProviderUnavailable, match=r"within 0\.5s"):
        client(fake_prom.url, timeout=0.5).query(expr="up", at=AT)
    assert time.monotonic() - began < 3


def test_a_closed_port_is_a_refused_connection() -> None:
    with pytest.raises(ProviderUnavailable, match="refused the connection") as caught:
        client(f"http://127.0.0.1:{free_port()}").query(expr='x{t="s3cr3t"}', at=AT)
    assert "s3cr3t" not in str(caught.value)


@pytest.mark.parametrize(
    ("doc", "kind", "values"),
    [
        (vector(), Vector, ()),
        (vector("NaN"), Vector, (math.nan,)),
        (vector("+Inf", "-Inf"), Vector, (math.inf, -math.inf)),
        (
            vector(0.1, 0.2, 0.3, labels=[{"pod": "a"}, {"pod": "b"}, {"pod": "c"}]),
            Vector,
            (0.1, 0.2, 0.3),
        ),
        (scalar("NaN"), Scalar, (math.nan,)),
        (matrix([0.1, 0.2], [0.3]), Matrix, (0.1, 0.2, 0.3)),
    ],
)
def test_pathological_but_valid_results_arrive_as_they_are(
    fake_prom: FakePrometheus, doc: dict[str, object], kind: type, values: tuple[float, ...]
) -> None:
    fake_prom.script(Reply(json=doc))
    result = client(fake_prom.url).query(expr="up", at=AT)
    assert isinstance(result, kind)
    assert len(result.values) == len(values)
    assert all(
        a == b or (math.isnan(a) and math.isnan(b))
        for a, b in zip(result.values, values, strict=True)
    )


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    where = tmp_path_factory.mktemp("tls")
    cert, key = where / "cert.pem", where / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_tls_is_verified_unless_insecure(certificate: tuple[Path, Path]) -> None:
    with fake_prometheus(tls=certificate) as fake:
        fake.script(Reply(json=vector(1.0)))
        with pytest.raises(ProviderUnavailable, match="TLS"):
            client(fake.url, timeout=5.0).query(expr="up", at=AT)
        assert client(fake.url, insecure=True).query(expr="up", at=AT).values == (1.0,)


def test_no_secret_reaches_logs_status_or_messages_at_debug(
    fake_prom: FakePrometheus, caplog: pytest.LogCaptureFixture
) -> None:
    """T17: a secret argument and a bearer token, on success and on a 400 echoing the query."""
    spec = AnalysisTemplateSpec.model_validate(
        {
            "args": [{"name": "tenant", "valueFrom": {"secretKeyRef": {"name": "t", "key": "k"}}}],
            "metrics": [
                {
                    "name": "m",
                    "successCondition": "result[0] >= 0.5",
                    "provider": {
                        "prometheus": {
                            "address": fake_prom.url,
                            "query": 'sum(x{tenant="{{args.tenant}}"})',
                            "authentication": {
                                "bearerToken": {"secretKeyRef": {"name": "p", "key": "token"}}
                            },
                        }
                    },
                }
            ],
        }
    )
    secrets = {"k": "tenant-5ec2e7", "token": TOKEN}
    resolver = ArgSources(secret=lambda ref: secrets[ref.key])
    run = compile_run(spec, args=resolve_args(spec.args, sources=resolver))
    provider = build_provider(run.metrics[0].provider, secrets=lambda ref: secrets[ref.key])
    echo = error("bad_data", 'parse error near x{tenant="tenant-5ec2e7"}')
    fake_prom.script(Reply(json=vector(0.9)), Reply(status=400, json=echo))
    with caplog.at_level(logging.DEBUG):
        taken = [measure(run.metrics[0], provider, now=AT, started_at=AT).measurement for _ in "ab"]
    assert [m.phase for m in taken] == ["Successful", "Error"]
    assert fake_prom.requests[0].params["query"] == 'sum(x{tenant="tenant-5ec2e7"})'
    recorded = caplog.text + "".join(m.model_dump_json() for m in taken)
    assert "tenant-5ec2e7" not in recorded and TOKEN not in recorded
    assert "/api/v1/query" in caplog.text  # urllib3 did log the request, without the query
