"""Factories for the site core's content (used by tests; build pages under a parent)."""

import factory
import wagtail_factories
from django.contrib.auth import get_user_model
from wagtail_factories import DocumentFactory, ImageFactory  # noqa: F401  (re-exported for tests)

from .models import HomePage, StandardPage, StatementIndexPage, StatementPage


class UserFactory(factory.django.DjangoModelFactory):
    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.edu")
    password = factory.django.Password("correct-horse-battery-staple")

    class Meta:
        model = get_user_model()


class BasePageFactory(wagtail_factories.PageFactory):
    title = factory.Sequence(lambda n: f"Page {n}")
    slug = factory.LazyAttribute(lambda page: _slug(page.title))

    class Meta:
        abstract = True


def _slug(title):
    from django.utils.text import slugify

    return slugify(title)[:250]


class HomePageFactory(BasePageFactory):
    class Meta:
        model = HomePage


class StandardPageFactory(BasePageFactory):
    class Meta:
        model = StandardPage


class StatementIndexPageFactory(BasePageFactory):
    title = "Statements"

    class Meta:
        model = StatementIndexPage


class StatementPageFactory(BasePageFactory):
    title = factory.Sequence(lambda n: f"Statement {n}")
    issued_by = "the Dean"
    excerpt = factory.LazyAttribute(lambda page: f"Excerpt of {page.title}.")

    class Meta:
        model = StatementPage
