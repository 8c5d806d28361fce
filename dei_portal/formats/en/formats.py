"""English (LANGUAGE_CODE en-us falls back to en): see dei_portal/formats/__init__.py."""

DATETIME_FORMAT = "j F Y, H:i T"
