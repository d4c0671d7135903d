"""Parse a Prometheus HTTP API answer into `QueryResult` values, or the right exception.

Prometheus answers ``{status, data: {resultType, result}, warnings, errorType,
error}``. Every part is checked explicitly rather than trusted: a scalar and a
one-series vector look alike once flattened, a ``string`` result cannot be
judged, a proxy in front of Prometheus may answer HTML. The status code and the
envelope together decide which branch of the exception tree a failure takes:

=================================  ======================  ============================
answer                             exception               measurement
=================================  ======================  ============================
400 / 422 with ``errorType``       `QueryError`            Error ("bad_data: parse …")
``status: error`` with 2xx         `QueryError`            Error
5xx, 503 timeout, 401/403, 404     `ProviderUnavailable`   Error, retried after 10 s
not JSON, wrong shape, ``string``  `BadResult`             Error
=================================  ======================  ============================

Server messages are cut to one short line; they may echo the query, so callers
scrub secret values from them before recording (see `analysis.measure`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any, Final

from analysis.providers.base import Matrix, QueryResult, Sample, Scalar, Series, Vector
from rollout_engine.errors import BadResult, ProviderUnavailable, QueryError

__all__ = ["parse_answer"]

_MAX_MESSAGE: Final = 200
_QUERY_REJECTED: Final = frozenset({400, 422})


def parse_answer(*, status: int, body: bytes, source: str) -> QueryResult:
    """Turn one HTTP answer into a result.

    `source` names the server in messages (an address without credentials).

    Raises:
        QueryError: the server rejected the query.
        ProviderUnavailable: the server failed or refused to serve.
        BadResult: the answer is not a judgeable Prometheus result.
    """
    doc = _decode(status=status, body=body, source=source)
    if not 200 <= status < 300 or doc.get("status") == "error":
        raise _error(status=status, doc=doc, source=source)
    if doc.get("status") != "success":
        raise BadResult(f"{source} answered without status success")
    data = doc.get("data")
    if not isinstance(data, dict):
        raise BadResult(f"{source} answered without a data object")
    warnings = _warnings(doc.get("warnings"))
    return _result(data.get("resultType"), data.get("result"), warnings)


def _decode(*, status: int, body: bytes, source: str) -> dict[str, Any]:
    try:
        doc = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        if status >= 500:
            raise ProviderUnavailable(f"{source} answered HTTP {status}") from None
        if not 200 <= status < 300:
            raise _http_error(status, source, detail="") from None
        raise BadResult(f"{source} answered with something that is not JSON") from None
    if not isinstance(doc, dict):
        raise BadResult(f"{source} answered JSON that is not an object")
    return doc


def _error(*, status: int, doc: Mapping[str, Any], source: str) -> Exception:
    kind = _one_line(doc.get("errorType") or "error")
    text = _one_line(doc.get("error") or "")
    detail = f"{kind}: {text}" if text else kind
    if status in _QUERY_REJECTED or 200 <= status < 300:
        return QueryError(f"{source} rejected the query: {detail}")
    return _http_error(status, source, detail=detail)


def _http_error(status: int, source: str, *, detail: str) -> Exception:
    suffix = f" ({detail})" if detail else ""
    if status in (401, 403):
        return ProviderUnavailable(f"{source} refused the credentials: HTTP {status}{suffix}")
    if status in _QUERY_REJECTED:
        return QueryError(f"{source} rejected the query: HTTP {status}{suffix}")
    return ProviderUnavailable(f"{source} answered HTTP {status}{suffix}")


def _result(kind: Any, raw: Any, warnings: tuple[str, ...]) -> QueryResult:
    if kind == "scalar":
        return Scalar(value=_point(raw)[1], warnings=warnings)
    if kind == "vector":
        items = _list(raw, kind)
        return Vector(samples=tuple(_sample(i) for i in items), warnings=warnings)
    if kind == "matrix":
        items = _list(raw, kind)
        return Matrix(series=tuple(_series(i) for i in items), warnings=warnings)
    if kind == "string":
        raise BadResult("the query returned a string; conditions judge numbers")
    raise BadResult(f"unknown resultType {_one_line(kind)!r}")


def _list(raw: Any, kind: str) -> list[Any]:
    if not isinstance(raw, list):
        raise BadResult(f"a {kind} result must be a list")
    return raw


def _sample(item: Any) -> Sample:
    if not isinstance(item, dict) or "value" not in item:
        _no_native_histograms(item)
        raise BadResult("a vector element needs metric and value")
    return Sample(labels=_labels(item.get("metric")), value=_point(item["value"])[1])


def _series(item: Any) -> Series:
    if not isinstance(item, dict) or not isinstance(item.get("values"), list):
        _no_native_histograms(item)
        raise BadResult("a matrix element needs metric and values")
    points = tuple(_point(p) for p in item["values"])
    return Series(labels=_labels(item.get("metric")), points=points)


def _no_native_histograms(item: Any) -> None:
    if isinstance(item, dict) and ("histogram" in item or "histograms" in item):
        raise BadResult("native histogram samples are not supported; query classic buckets")


def _labels(raw: Any) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in raw.items()
    ):
        raise BadResult("series labels must map strings to strings")
    return dict(raw)


def _point(raw: Any) -> tuple[float, float]:
    if not (isinstance(raw, list) and len(raw) == 2 and isinstance(raw[1], str)):
        raise BadResult('a sample must be [time, "value"]')
    stamp = raw[0]
    if isinstance(stamp, bool) or not isinstance(stamp, int | float) or not math.isfinite(stamp):
        raise BadResult("a sample time must be a number")
    try:
        value = float(raw[1])
    except ValueError:
        raise BadResult(f"a sample value is not a number: {_one_line(raw[1])!r}") from None
    return float(stamp), value


def _warnings(raw: Any) -> tuple[str, ...]:
    if not isinstance(raw, list):
        return ()
    return tuple(_one_line(w) for w in raw if isinstance(w, str))


def _one_line(value: Any) -> str:
    text = " ".join(str(value).split())
    return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 1] + "…"
