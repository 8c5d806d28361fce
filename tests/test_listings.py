"""Listings show only live content, in the right order, and survive bad query strings."""

import datetime

import pytest
from bs4 import BeautifulSoup
from django.http import QueryDict

from tests.factories.announcements import AnnouncementCategoryFactory, AnnouncementPageFactory


def titles(response):
    return [a.get_text() for a in BeautifulSoup(response.content, "html.parser").select(".announcement-item__title a")]


@pytest.fixture
def many(tree):
    index = tree["announcements"]
    policies = AnnouncementCategoryFactory(name="Policies", slug="policies")
    for day in range(1, 13):
        AnnouncementPageFactory(
            parent=index, title=f"Policy update {day:02d}", category=policies, date=datetime.date(2026, 10, day)
        )
    return index


def test_announcements_newest_first_and_paginated(client, many):
    first = titles(client.get(many.url))
    assert len(first) == 10
    assert first[0] == "Lecture on health equity"  # 1 November, the newest
    assert first[1:3] == ["Policy update 12", "Policy update 11"]
    second = titles(client.get(many.url + "?page=2"))
    assert second == ["Policy update 03", "Policy update 02", "Policy update 01"]


def test_announcements_filter_by_category(client, many):
    response = client.get(many.url + "?category=campus-events")
    assert titles(response) == ["Lecture on health equity"]
    assert 'aria-current="page">Campus events' in response.content.decode()


PAYLOAD = '"><script>alert(1)</script>'


@pytest.mark.parametrize(
    "query, first_title",
    [
        ("?page=999", "Policy update 03"),  # past the end: the last page
        ("?page=abc", "Lecture on health equity"),  # not a number: the first page
        ("?page=-1", "Policy update 03"),
        ("?page=" + "9" * 500, "Policy update 03"),
        ("?page=" + PAYLOAD, "Lecture on health equity"),
        ("?category=nope", None),
        ("?category=" + PAYLOAD, None),
        ("?category=policies&page=" + PAYLOAD, "Policy update 12"),
    ],
)
def test_bad_listing_queries_get_a_clear_page(client, many, query, first_title):
    response = client.get(many.url, QueryDict(query[1:]))
    assert response.status_code == 200
    found = titles(response)
    if first_title is None:
        assert found == []
        assert "There is no announcement category by that name" in response.content.decode()
    else:
        assert found[0] == first_title
    # Whatever the query carried is never written back into the page unescaped.
    assert "<script>alert(1)" not in response.content.decode()


def test_unknown_category_says_so(client, many):
    response = client.get(many.url + "?category=nope")
    assert "There is no announcement category by that name" in response.content.decode()
    assert titles(response) == []


def test_unpublished_and_private_pages_stay_out_of_listings(client, tree):
    from wagtail.models import PageViewRestriction

    hidden = AnnouncementPageFactory(parent=tree["announcements"], title="Not yet announced")
    hidden.unpublish()
    private = AnnouncementPageFactory(parent=tree["announcements"], title="Staff only")
    PageViewRestriction.objects.create(page=private, restriction_type=PageViewRestriction.LOGIN)
    for url in ("/announcements/", "/"):
        html = client.get(url).content.decode()
        assert "Not yet announced" not in html and "Staff only" not in html
    assert client.get(hidden.url or "/announcements/not-yet-announced/").status_code == 404
    assert client.get(private.url).status_code == 302  # sent to log in


def test_private_office_stays_off_the_home_page(client, tree):
    from wagtail.models import PageViewRestriction

    PageViewRestriction.objects.create(page=tree["office"], restriction_type=PageViewRestriction.LOGIN)
    assert "Office of Diversity Programs" not in client.get("/").content.decode()


def test_announcement_past_expiry_leaves_the_listing_at_once(client, tree):
    from django.utils import timezone

    from announcements.models import AnnouncementPage

    AnnouncementPage.objects.filter(pk=tree["announcement"].pk).update(
        expire_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert "Lecture on health equity" not in client.get("/announcements/").content.decode()
