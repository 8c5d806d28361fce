"""{% load navigation_tags %}: the menu, breadcrumbs and footer on every page (dei_portal/site/navigation_tags.py)."""

from dei_portal.site.navigation_tags import register

__all__ = ["register"]
