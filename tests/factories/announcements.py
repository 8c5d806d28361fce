"""Announcement categories, announcements and site-wide notices (the announcements app)."""

import datetime

import factory

from announcements.models import AnnouncementCategory, AnnouncementIndexPage, AnnouncementPage, SiteNotice

from .core import BasePageFactory


class AnnouncementCategoryFactory(factory.django.DjangoModelFactory):
    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.Sequence(lambda n: f"category-{n}")

    class Meta:
        model = AnnouncementCategory


class AnnouncementIndexPageFactory(BasePageFactory):
    title = "Announcements"

    class Meta:
        model = AnnouncementIndexPage


class AnnouncementPageFactory(BasePageFactory):
    title = factory.Sequence(lambda n: f"Announcement {n}")
    category = factory.SubFactory(AnnouncementCategoryFactory)
    date = datetime.date(2026, 11, 1)
    summary = factory.LazyAttribute(lambda page: f"About {page.title}.")

    class Meta:
        model = AnnouncementPage


class SiteNoticeFactory(factory.django.DjangoModelFactory):
    heading = factory.Sequence(lambda n: f"Notice {n}")
    text = "Something every visitor should know."
    sort_order = factory.Sequence(lambda n: n)

    class Meta:
        model = SiteNotice
