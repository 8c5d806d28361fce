"""A Redis cache that degrades to no cache when Redis is down.

Django's ``RedisCache`` raises on every call while the server is unreachable, and not
only our page cache uses the cache: Wagtail keeps its site root paths and image
renditions there too. This backend logs the error and answers as an empty cache would
(a miss on read, nothing stored on write), so the site keeps serving pages straight
from the database until Redis is back.

After a failure the process stops asking Redis for ``RETRY_SECONDS``: reads are misses
and cache fills are dropped at once, so an outage costs no connection attempts or
timeouts per request and logs one warning per process, not one per call. Invalidations
(``incr``, ``delete``, ``delete_many``, ``clear``) are always attempted: a publish while
this process still counts Redis as down must reach a Redis that has come back.
"""

import logging
import time

from django.core.cache.backends.redis import RedisCache

# The logger keeps the name it had before the module moved into dei_portal/operations/ (log filters).
logger = logging.getLogger("dei_portal.cache_backends")

RETRY_SECONDS = 2.0
ALWAYS_ATTEMPTED = {"incr", "delete", "delete_many", "clear"}


def _miss(default=None):
    def decorator(method):
        name = method.__name__

        def wrapper(self, *args, **kwargs):
            if name not in ALWAYS_ATTEMPTED and time.monotonic() < self._down_until:
                return default() if callable(default) else default
            try:
                result = method(self, *args, **kwargs)
            except Exception as error:  # redis.exceptions.ConnectionError, TimeoutError…
                if name == "incr" and isinstance(error, ValueError):
                    raise  # a missing key, not an outage
                if time.monotonic() >= self._down_until:
                    logger.warning(
                        "Cache unavailable (%s: %s); serving without it, next try in %.0f s",
                        name,
                        error,
                        RETRY_SECONDS,
                    )
                self._down_until = time.monotonic() + RETRY_SECONDS
                self._was_down = True
                return default() if callable(default) else default
            if self._was_down:
                self._was_down = False
                logger.warning("Cache available again")
            return result

        wrapper.__name__ = name
        return wrapper

    return decorator


class ResilientRedisCache(RedisCache):
    _down_until = 0.0  # time.monotonic() until which Redis counts as down (per process)
    _was_down = False

    get = _miss(None)(RedisCache.get)
    get_many = _miss(dict)(RedisCache.get_many)
    has_key = _miss(False)(RedisCache.has_key)
    set = _miss(None)(RedisCache.set)
    add = _miss(False)(RedisCache.add)
    set_many = _miss(list)(RedisCache.set_many)
    touch = _miss(False)(RedisCache.touch)
    delete = _miss(False)(RedisCache.delete)
    delete_many = _miss(None)(RedisCache.delete_many)
    incr = _miss(None)(RedisCache.incr)
    clear = _miss(False)(RedisCache.clear)

    def get_or_set(self, key, default, timeout=None, version=None):
        value = self.get(key, version=version)
        if value is None:
            value = default() if callable(default) else default
            if value is not None:
                self.add(key, value, timeout=timeout, version=version)
        return value
