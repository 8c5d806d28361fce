"""{% load scheduling_tags %}: schedules in the site's time zone, in the admin.

Defined in dei_portal/editing/scheduling_tags.py."""

from dei_portal.editing.scheduling_tags import register

__all__ = ["register"]
