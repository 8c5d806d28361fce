"""The core every content app builds on; it imports only Django, Wagtail and the standard library.

- ``models``: ``BasePage``, the small abstract page every page type shares, and its Promote tab;
- ``blocks``: the named StreamField blocks;
- ``visibility``: ``discoverable()``, the one rule for what visitors may find anywhere;
- ``listing``: pagination and card images for listing pages;
- ``routing``: the home page's one-query routing (``RouteInOneQueryMixin``);
- ``cache`` and ``frontend_cache``: the content generation, cached fragments and pages, and the
  BAN sent to the HTTP cache in front;
- ``public_site`` and ``signals``: what changes the public site (a class attribute content models
  declare) and the receivers that move the content generation on when it changes;
- ``image_tags``: the site's ``{% load image_tags %}`` (registered by dei_portal/templatetags/).

Nothing here knows the content apps (offices, announcements, statements) or the site built on
them: a model here that needs one is in the wrong layer (see README.md, "What is where").
"""
