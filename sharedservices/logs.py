"""Logging pieces that settings.LOGGING names."""

from __future__ import annotations

import logging


class OneLineFormatter(logging.Formatter):
    """The message without its traceback: a bad Host header is a fact about the request, not a fault in the code."""

    def format(self, record: logging.LogRecord) -> str:
        record = logging.makeLogRecord({**record.__dict__, "exc_info": None, "exc_text": None, "stack_info": None})
        return super().format(record)
