"""English (LANGUAGE_CODE en-us falls back to en): see dei_portal/formats/__init__.py."""

from django.conf import settings

from dei_portal.formats import spoken_zone_name

# The zone's name as literal text (each character escaped from Django's format codes).
DATETIME_FORMAT = "j F Y, H:i " + "".join(f"\\{char}" for char in spoken_zone_name(settings.TIME_ZONE))
