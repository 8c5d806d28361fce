"""Values every request to the public site looks up the same way, kept in the process for one
content generation: the ``Site`` for a host (with its home page), Wagtail's site root paths,
the route from a URL to its page, and the site chrome (menu, footer, notices).

Without it, every request asks the database which site it is on, loads the home page and its
specific row, routes the URL and reads the chrome from Redis (one round trip per fragment):
most of a simple page's cost. Wagtail caches the site and root paths only on the request
(``request._wagtail_site``, ``request._wagtail_cached_site_root_paths``) and in Django's cache
(one round trip per request); nothing in Wagtail keeps them longer and knows when to stop.

The rule that keeps the page cache fresh keeps this fresh too (``dei_portal.core.cache``): the
values belong to the content generation they were made in, and a request of a later generation
never sees them, so a publish, a move or a setting changes what the next request gets, in every
worker. The values also end at a deadline (the next scheduled expiry, as cached pages do), and
a generation holds at most ``MEMO_MAX_ENTRIES`` of each kind (a key's first part: "route",
"search"…; beyond that, values of that kind are built each time), so visitors asking for many
different searches never push the routes out.

``dei_portal.core.routing.MemoizedRoutingMiddleware`` calls ``activate`` once per public GET
(with the generation the page cache has usually read already, in its own round trip); code
elsewhere calls ``memo.get(key, build)``. Outside such a request (commands, the admin's writes,
tests without the middleware), ``get`` just builds: nothing is kept.
"""

import threading
import time

MEMO_MAX_ENTRIES = 1000

_state = threading.local()  # the values of the generation the current request belongs to
_lock = threading.Lock()
_current = {"generation": None, "deadline": 0.0, "values": {}}
_KINDS = "\x00kinds"  # in each generation's dict: {kind: how many values of it are kept}


def get(key, build):
    """The value under ``key`` for this request's content generation, made by ``build()`` the
    first time. Outside a request with the memo on, ``build()`` every time."""
    values = getattr(_state, "values", None)
    if values is None:
        return build()
    try:
        return values[key]
    except KeyError:
        pass
    value = build()
    kinds = values.setdefault(_KINDS, {})
    kind = key[0] if isinstance(key, tuple) else key
    if kinds.get(kind, 0) < MEMO_MAX_ENTRIES:
        kinds[kind] = kinds.get(kind, 0) + 1
        values[key] = value
    return value


def _values_for(current, seconds_valid):
    """The dict of values of generation ``current``: a new one when the generation moved on or
    the last one reached its deadline."""
    now = time.monotonic()
    with _lock:
        if _current["generation"] == current and now < _current["deadline"]:
            return _current["values"]
    seconds = seconds_valid()  # outside the lock: it may query the database
    values = {}
    with _lock:
        _current.update(generation=current, deadline=now + seconds, values=values)
    return values


def clear():
    """Forget every value (tests that change rows behind the signals' back)."""
    with _lock:
        _current.update(generation=None, deadline=0.0, values={})


def activate(current, seconds_valid):
    """Make generation ``current``'s values this thread's until ``deactivate()``.
    ``seconds_valid()`` says how long a new generation's values may live (called once per
    generation)."""
    _state.values = _values_for(current, seconds_valid)


def deactivate():
    _state.values = None
