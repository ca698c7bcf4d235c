"""How coordbot logs: plain text by default, JSON lines with ``COORDBOT_LOG_FORMAT=json``.

A JSON line carries the time, level, logger and message, and the context a record names with
``extra=`` — :data:`CONTEXT` (the workspace, the request or notification key, the outcome). It
never carries a message body (nothing logs one), and anything shaped like a Slack or Feishu
credential is masked in every line, whatever the format, in case an error message quotes one.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any

FORMATS = ("text", "json")
CONTEXT = ("workspace", "key", "request", "outcome", "platform", "kind")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Slack tokens (xoxb-, xoxp-, xapp-, …), Feishu tenant/app tokens (t-, a-, u-), bearer headers.
_SECRET = re.compile(r"\b(xox[a-z]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+|[tau]-[A-Za-z0-9_]{20,}|Bearer\s+\S+)")


def mask_secrets(text: str) -> str:
    return _SECRET.sub(lambda match: match.group(0)[:5] + "…", text)


class MaskingFormatter(logging.Formatter):
    """The plain-text format, with credentials masked."""

    def format(self, record: logging.LogRecord) -> str:
        return mask_secrets(super().format(record))


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ``time``, ``level``, ``logger``, ``message``, the :data:`CONTEXT` set."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in CONTEXT:
            value = getattr(record, name, None)
            if value is not None:
                line[name] = value
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return mask_secrets(json.dumps(line, ensure_ascii=False, default=str))


def configure(level: str, log_format: str = "text") -> None:
    """Send the process's logs to standard error in ``log_format`` (one of :data:`FORMATS`)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else MaskingFormatter(TEXT_FORMAT))
    logging.basicConfig(level=level, handlers=[handler])
    logging.getLogger("alembic").setLevel(logging.WARNING)
