"""The one way settings read the environment.

Every settings module (and the gunicorn configuration) reads its variables through these
functions, so a value means the same thing everywhere: `SECURE_SSL_REDIRECT=1` turns the redirect
on, as `true`, `yes` and `on` do. A value that cannot be read stops the process with the variable's
name, instead of quietly meaning something else.

Why not django-environ: its `env.bool()` treats every unknown word as false, which is exactly the
mistake this module exists to prevent. environs would do, but brings marshmallow and dotenv for
what is four small functions here.
"""

import os

from django.core.exceptions import ImproperlyConfigured

TRUE = frozenset({"1", "true", "yes", "on"})
FALSE = frozenset({"0", "false", "no", "off"})

# The names Python's logging accepts for LOG_LEVEL (any case).
LOG_LEVELS = frozenset({"debug", "info", "warning", "error", "critical"})

_UNSET = object()


def _raw(name, default):
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        if default is _UNSET:
            raise ImproperlyConfigured(f"{name} must be set.")
        return None
    return value.strip()


def env_str(name, default=_UNSET):
    """A string; surrounding spaces removed. Without a default, the variable must be set."""
    value = _raw(name, default)
    return default if value is None else value


def env_bool(name, default):
    """A switch: 1/true/yes/on or 0/false/no/off, in any case. Anything else refuses to start."""
    value = _raw(name, default)
    if value is None:
        return default
    word = value.lower()
    if word in TRUE:
        return True
    if word in FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name}={value!r} is not a yes/no value: use one of 1, true, yes, on / 0, false, no, off."
    )


def env_int(name, default, minimum=None):
    """A whole number (optionally at least `minimum`). Anything else refuses to start."""
    value = _raw(name, default)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a whole number.") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name}={value!r} must be at least {minimum}.")
    return number


def env_float(name, default):
    """A number such as 1.5. Anything else refuses to start."""
    value = _raw(name, default)
    if value is None:
        return default
    try:
        return float(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a number.") from None


def env_list(name, default=""):
    """A comma-separated list of non-empty strings (`a, b,,c` is ["a", "b", "c"])."""
    value = os.environ.get(name, default)
    return [item.strip() for item in value.split(",") if item.strip()]


def env_choice(name, default, choices):
    """One of a fixed set of words (compared in lower case). Anything else refuses to start."""
    value = (_raw(name, default) or default).lower()
    if value not in choices:
        raise ImproperlyConfigured(f"{name}={value!r} is not one of: {', '.join(sorted(choices))}.")
    return value


def env_is_set(name):
    """Whether the variable is present at all (for settings that are refused when set)."""
    return name in os.environ


def environment():
    """The process environment as a mapping, for builders that also take a test's dict
    (e.g. object_storage() in base.py)."""
    return os.environ
