"""Keep webhook URLs out of logs: a redacting filter on every logger notify uses.

Slack treats a webhook URL as a credential, and such URLs have leaked through
client debug logs and error paths (spinnaker #3663, DependencyTrack #1160).
``slack_sdk``'s ``WebhookClient`` logs its URL at DEBUG and on connection
retries, so the notifiers hand it one of our loggers, and every record on
those loggers passes through ``REDACTOR`` first: each secret registered with
``REDACTOR.add`` (the URL, and its path, query and long path segments) is
replaced by ``[redacted]`` in the message and in any formatted traceback.
Our own code never formats a URL into a message in the first place; the
filter is the second line of defence, and ``scrub`` is applied to every error
message before it reaches status or an Event.
"""

from __future__ import annotations

import logging
import threading
from urllib.parse import urlsplit

__all__ = ["REDACTED", "REDACTOR", "SecretRedactor", "get_logger"]

REDACTED = "[redacted]"
_MIN_PART = 12  # shorter fragments ("/services", "https") are not secret and too common
_MAX_SECRETS = 1024


class SecretRedactor(logging.Filter):
    """Replace registered secret strings in log records and messages."""

    def __init__(self) -> None:
        super().__init__()
        self._secrets: dict[str, None] = {}  # insertion-ordered, so the oldest go first
        self._lock = threading.Lock()

    def add(self, url: str) -> None:
        """Register a webhook URL and the fragments of it that identify it."""
        parts = {url, url.strip()}
        try:
            split = urlsplit(url.strip())
        except ValueError:
            split = None
        if split is not None:
            parts |= {split.path, split.query, split.netloc if "@" in split.netloc else ""}
            parts |= set(split.path.split("/")) | set(split.query.split("&"))
            if split.query:
                parts.add(f"{split.path}?{split.query}")
        with self._lock:
            for part in sorted(parts, key=len, reverse=True):
                if len(part) >= _MIN_PART:
                    self._secrets[part] = None
            while len(self._secrets) > _MAX_SECRETS:
                del self._secrets[next(iter(self._secrets))]

    def scrub(self, text: str) -> str:
        """``text`` with every registered secret replaced, longest first."""
        with self._lock:
            secrets = sorted(self._secrets, key=len, reverse=True)
        for secret in secrets:
            if secret in text:
                text = text.replace(secret, REDACTED)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record in place (handlers further up see the scrubbed text)."""
        message = record.getMessage()
        scrubbed = self.scrub(message)
        if scrubbed != message:
            record.msg, record.args = scrubbed, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.scrub(record.exc_text)
        if record.stack_info:
            record.stack_info = self.scrub(record.stack_info)
        return True


REDACTOR = SecretRedactor()


def get_logger(name: str) -> logging.Logger:
    """A ``rollout_engine.notify.<name>`` logger with the redacting filter attached.

    NB: a logger's filters see only records created on that logger, not those
    of its children, so every logger notify hands out gets the filter itself.
    """
    logger = logging.getLogger(f"rollout_engine.notify.{name}")
    if REDACTOR not in logger.filters:
        logger.addFilter(REDACTOR)
    return logger
