"""One JSON object per log line, for log shippers (journald, Docker, Loki, CloudWatch, ELK).

    {"timestamp": "2026-11-27T15:20:25.123Z", "level": "INFO", "logger": "dei_portal.request",
     "message": "GET /offices/ 200", "request_id": "4f0c…", "method": "GET", "path": "/offices/",
     "status": 200, "duration_ms": 12.4, "pid": 4242}

Every line has ``timestamp`` (UTC, ISO 8601, milliseconds), ``level``, ``logger``,
``message``, ``request_id`` (null outside a request; see ``dei_portal.operations.request_id``) and
``pid`` (which gunicorn worker). Fields passed with ``extra={...}`` are added as they are;
an exception adds ``exc_type`` and ``exc_info`` (the formatted traceback, one string, so
the whole record stays on one line).

Plain standard library, no Django import: gunicorn's master loads this class for its own
log lines too (deploy/gunicorn-logging.json), before any Django setting exists.
"""

import datetime
import json
import logging

# Attributes every LogRecord has; anything else on a record came from ``extra=``.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "taskName"}
# Extras that are objects, not data: Django passes the request to ``django.request``
# records and the socket to ``django.server`` ones. Never dumped (they hold headers and cookies).
_SKIPPED = frozenset({"request", "socket"})


def _default(value):
    return str(value)


class JsonFormatter(logging.Formatter):
    def format(self, record):
        entry = {
            "timestamp": datetime.datetime.fromtimestamp(record.created, tz=datetime.UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
            "pid": record.process,
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in _SKIPPED and key not in entry:
                entry[key] = value
        if entry["request_id"] in ("", "-"):
            entry["request_id"] = None
        if record.exc_info:
            entry["exc_type"] = record.exc_info[0].__name__ if record.exc_info[0] else None
            entry["exc_info"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exc_info"] = record.exc_text
        if record.stack_info:
            entry["stack_info"] = self.formatStack(record.stack_info)
        # ensure_ascii: a line is plain ASCII whatever a visitor typed into a URL, and a
        # newline inside a value is written as \n, so one record is always one line.
        return json.dumps(entry, default=_default, ensure_ascii=True)
