"""A request id on every request, every log line it causes and its response; one log line per request.

``RequestIdMiddleware`` comes first in ``MIDDLEWARE`` (outermost), so static files, cached
pages, redirects and error pages all get an id and a log line.

- The id: the reverse proxy's ``X-Request-ID`` when it is a sane value (1 to 128 characters
  of letters, digits and ``- _ . : + = /``, as nginx's ``$request_id``, a UUID or a trace id
  are), else a new random one (32 hex digits). A value with spaces, newlines, quotes or
  other bytes, or longer than that, is dropped and replaced, never logged or echoed:
  nobody can forge log lines or split response headers through it. Set the proxy to
  overwrite the header (nginx: ``proxy_set_header X-Request-ID $request_id;``) so the id
  in its access log and ours match.
- It is kept in a context variable until the response is closed; ``RequestIdFilter``
  (attached to the log handler in ``settings.LOGGING``) copies it onto every log record as
  ``request_id``, whichever logger wrote it (Django's, Wagtail's, ours).
- The response carries it back as ``X-Request-ID``; ``request.request_id`` has it too.
- One line per request on the ``dei_portal.request`` logger: method, path (never the query
  string, which may hold tokens), status, duration in milliseconds, and ``X-Cache`` when the
  page cache answered. INFO, or ERROR for a 5xx. ``/healthz`` answering 200 is logged at
  DEBUG only: load balancers call it every few seconds, and that would drown the real
  traffic (a failing health check is logged as usual).
"""

import contextvars
import logging
import re
import time
import uuid

from django.core.signals import request_finished
from django.dispatch import receiver

HEADER = "X-Request-ID"
META_KEY = "HTTP_X_REQUEST_ID"
MAX_LENGTH = 128
_SANE = re.compile(rf"[A-Za-z0-9._:+=/-]{{1,{MAX_LENGTH}}}")
QUIET_PATHS = frozenset({"/healthz"})

_current = contextvars.ContextVar("request_id", default=None)
logger = logging.getLogger("dei_portal.request")


def get_request_id():
    """The id of the request being handled in this thread, or None outside a request."""
    return _current.get()


def new_request_id():
    return uuid.uuid4().hex


def accepted_request_id(value):
    """``value`` when it is safe to reuse as the request id, else None."""
    if value and _SANE.fullmatch(value):
        return value
    return None


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every record ("-" outside a request), for any formatter."""

    def filter(self, record):
        if getattr(record, "request_id", None) is None:
            record.request_id = _current.get() or "-"
        return True


@receiver(request_finished, dispatch_uid="dei_portal.operations.request_id.clear")
def _clear(**kwargs):
    _current.set(None)


def _printable(text):
    # Paths are percent-decoded: keep a %0A in a URL from starting a new line in a text log.
    return text if text.isprintable() else text.encode("unicode_escape").decode("ascii")


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = accepted_request_id(request.META.get(META_KEY)) or new_request_id()
        request.request_id = request_id
        # Not reset when this returns: Django logs "Not Found"/"Internal Server Error" after
        # the whole middleware chain, and that line needs the id too. It is cleared when the
        # server closes the response (request_finished, below).
        _current.set(request_id)
        started = time.perf_counter()
        response = self.get_response(request)
        response[HEADER] = request_id
        self._log(request, response, (time.perf_counter() - started) * 1000)
        return response

    @staticmethod
    def _log(request, response, duration_ms):
        status = response.status_code
        if status >= 500:
            level = logging.ERROR
        elif request.path in QUIET_PATHS and status == 200:
            level = logging.DEBUG
        else:
            level = logging.INFO
        if not logger.isEnabledFor(level):
            return
        path = _printable(request.path)
        extra = {
            "method": request.method,
            "path": path,
            "status": status,
            "duration_ms": round(duration_ms, 1),
        }
        if response.has_header("X-Cache"):
            extra["cache"] = response["X-Cache"]
        logger.log(level, "%s %s %s %.1fms", request.method, path, status, duration_ms, extra=extra)
