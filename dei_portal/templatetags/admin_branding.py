"""{% load admin_branding %}: the site's name in the admin, the help menu's editor guide.

Defined in dei_portal/editing/admin_branding.py."""

from dei_portal.editing.admin_branding import register

__all__ = ["register"]
