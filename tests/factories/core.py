"""The factory every page factory builds on (pages of dei_portal.core's ``BasePage``)."""

import factory
import wagtail_factories
from django.utils.text import slugify


class BasePageFactory(wagtail_factories.PageFactory):
    title = factory.Sequence(lambda n: f"Page {n}")
    slug = factory.LazyAttribute(lambda page: slugify(page.title)[:250])

    class Meta:
        abstract = True
