"""A Redis cache that degrades to no cache when Redis is down.

Django's ``RedisCache`` raises on every call while the server is unreachable, and not
only our page cache uses the cache: Wagtail keeps its site root paths and image
renditions there too. This backend logs the error and answers as an empty cache would
(a miss on read, nothing stored on write), so the site keeps serving pages straight
from the database until Redis is back.
"""

import logging

from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger(__name__)


def _miss(default=None):
    def decorator(method):
        def wrapper(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except Exception as error:  # redis.exceptions.ConnectionError, TimeoutError…
                if method.__name__ == "incr" and isinstance(error, ValueError):
                    raise  # a missing key, not an outage
                logger.warning("Cache unavailable (%s): %s", method.__name__, error)
                return default() if callable(default) else default

        wrapper.__name__ = method.__name__
        return wrapper

    return decorator


class ResilientRedisCache(RedisCache):
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
