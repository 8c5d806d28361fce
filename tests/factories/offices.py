"""Audiences, offices and organizations (the offices app); build pages under a parent."""

import factory

from offices.models import Audience, OfficeIndexPage, OfficePage, OrganizationIndexPage, OrganizationPage

from .core import BasePageFactory


class AudienceFactory(factory.django.DjangoModelFactory):
    name = factory.Sequence(lambda n: f"Audience {n}")
    heading = factory.LazyAttribute(lambda a: f"For {a.name.lower()}")
    sort_order = factory.Sequence(lambda n: n)

    class Meta:
        model = Audience
        django_get_or_create = ["name"]


class OfficeIndexPageFactory(BasePageFactory):
    title = "Offices"

    class Meta:
        model = OfficeIndexPage


class OfficePageFactory(BasePageFactory):
    title = factory.Sequence(lambda n: f"Office {n}")
    audience = factory.SubFactory(AudienceFactory)
    website = factory.LazyAttribute(lambda page: f"https://{page.slug}.example.edu/")
    summary = factory.LazyAttribute(lambda page: f"What {page.title} does.")

    class Meta:
        model = OfficePage


class OrganizationIndexPageFactory(BasePageFactory):
    title = "Organizations"

    class Meta:
        model = OrganizationIndexPage


class OrganizationPageFactory(OfficePageFactory):
    title = factory.Sequence(lambda n: f"Organization {n}")

    class Meta:
        model = OrganizationPage
