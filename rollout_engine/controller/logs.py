"""Structured logs: one JSON object per line, with the rollout it concerns, never a secret.

Messages are the controller's own sentences; argument values, Secret data
and webhook URLs are never formatted into them, and notify's redacting
filter (``REDACTOR``) runs on the root handler as a second line of defence,
so even a client library's debug line cannot print a registered secret.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

from rollout_engine.notify.redact import REDACTOR

__all__ = ["LEVELS", "JsonFormatter", "configure"]

LEVELS = ("debug", "info", "warning", "error")

_STANDARD = set(vars(logging.makeLogRecord({})))


class JsonFormatter(logging.Formatter):
    """``{"time", "level", "logger", "message", ...extra fields}``."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                out[key] = value if isinstance(value, int | float | bool | None) else str(value)
        if record.exc_info:
            out["error"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False)


def configure(*, level: str = "info", fmt: str = "json") -> None:
    """Log to stderr at `level`, as JSON lines (`fmt` ``json``) or plain text (``text``)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(REDACTOR)
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # NB: urllib3 logs request URLs at DEBUG, query strings (and so argument values) included
    for noisy in ("urllib3", "apscheduler", "kubernetes"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
