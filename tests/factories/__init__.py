"""Factories for the tests, one module per app or layer (factory_boy / wagtail-factories):
core (``BasePageFactory``), accounts, site, statements, offices, announcements.
Images and documents: wagtail_factories' ``ImageFactory`` and ``DocumentFactory``."""
