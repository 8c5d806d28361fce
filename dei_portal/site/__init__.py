"""The site: the top layer, built on every content app (offices, announcements, statements).

- ``models``: ``HomePage`` (its sections asked of the content apps' index pages), ``StandardPage``,
  the navigation and footer settings;
- ``search``: the search view at /search/ over the content apps' page types;
- ``sitemap``: /sitemap.xml of the discoverable pages;
- ``urls``: the project's URLs (ROOT_URLCONF);
- ``navigation_tags``: the menu, breadcrumbs and footer (``{% load navigation_tags %}``, registered
  by dei_portal/templatetags/).

Only the model registry (dei_portal/models.py) sits above it.
"""
