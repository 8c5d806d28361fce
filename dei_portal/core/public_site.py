"""What changes the public site: the question the cache invalidation asks of every saved row.

A content model whose rows visitors see declares it with a class attribute,
``changes_public_site = True`` (offices' audiences; announcements' categories and site-wide
notices). Wagtail's own models that do (pages, sites, site settings, view restrictions, images,
documents) are named here, since the core adds nothing to Wagtail's classes. The receivers in
dei_portal/core/signals.py move the content generation on when one of them changes, so the core
listens to the content apps without importing them.
"""

from functools import cache

from django.apps import apps
from wagtail.contrib.settings.models import BaseSiteSetting
from wagtail.documents.models import AbstractDocument
from wagtail.images.models import AbstractImage
from wagtail.models import BaseViewRestriction, DraftStateMixin, Page, Site

WAGTAIL_MODELS = (Page, BaseSiteSetting, Site, BaseViewRestriction, AbstractImage, AbstractDocument)


def changes_public_site(obj):
    """Whether a change to ``obj`` (a model instance or class) can change what visitors see."""
    return isinstance(obj, WAGTAIL_MODELS) or bool(getattr(obj, "changes_public_site", False))


@cache
def scheduled_models():
    """The models whose live rows leave the public site by the clock (``expire_at``): pages, and
    each model that declares ``changes_public_site`` and has Wagtail's drafts (``DraftStateMixin``,
    which brings the schedule). Known once the apps are loaded; the same for the process's life."""
    marked = [
        model
        for model in apps.get_models()
        if not model._meta.proxy
        and issubclass(model, DraftStateMixin)
        and changes_public_site(model)
        and not issubclass(model, Page)
    ]
    return (Page, *marked)
