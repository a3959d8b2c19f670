"""Keeping secrets out of the HTTP stack's log records.

httpx logs full request URLs, which may hold a secret in a query. While a run is on, a filter
on those loggers rewrites any record that carries a secret, raw or URL-quoted.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from urllib.parse import quote

from scanner.verify.model import VerifyRequest

# Loggers of the HTTP stack; httpx logs full request URLs, which may hold a secret in a query.
_HTTP_LOGGERS = (
    "httpx",
    "httpcore",
    "httpcore.connection",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
)


class RedactSecrets(logging.Filter):
    """Rewrites any log record of the HTTP stack that would carry one of the secrets."""

    def __init__(self, secrets: Sequence[str]) -> None:
        super().__init__()
        self._secrets = sorted(set(secrets), key=len, reverse=True)

    def scrub(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "[redacted]")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken record: drop it rather than risk its arguments
            return False
        scrubbed = self.scrub(message)
        if scrubbed != message:
            record.msg, record.args = scrubbed, None
        return True


def secret_forms(requests: Iterable[VerifyRequest]) -> list[str]:
    """Every spelling of every secret that could reach a message: raw and URL-quoted."""
    forms: list[str] = []
    for request in requests:
        for value in (request.secret, request.pair_secret):
            if value:
                text = value.decode("utf-8", "replace")
                forms += [text, quote(text, safe="")]
    return [form for form in forms if form]


@contextmanager
def http_logs_redacted(redactor: RedactSecrets) -> Iterator[None]:
    loggers = [logging.getLogger(name) for name in _HTTP_LOGGERS]
    for logger in loggers:
        logger.addFilter(redactor)
    try:
        yield
    finally:
        for logger in loggers:
            logger.removeFilter(redactor)
