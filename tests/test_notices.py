"""Site-wide notices: editable, ordered, switchable, rendered on the server."""

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse

from announcements.models import SiteNotice
from tests.factories.announcements import SiteNoticeFactory


def notices_on(client, url="/"):
    page = BeautifulSoup(client.get(url).content, "html.parser")
    return page.select(".site-notice")


def test_notices_show_on_every_page_in_editor_order(client, tree):
    SiteNotice.objects.all().delete()
    second = SiteNoticeFactory(heading="Information for our community", sort_order=2)
    first = SiteNoticeFactory(
        heading="Announcements", sort_order=1, link_page=tree["announcements"], link_text="See all"
    )
    for url in ("/", tree["office"].url, tree["announcement"].url, tree["standard"].url):
        notices = notices_on(client, url)
        assert [n.select_one(".site-notice__heading").get_text() for n in notices] == [first.heading, second.heading]
        assert notices[0].select_one("a[href='/announcements/']").get_text() == "See all"
        for notice in notices:
            button = notice.select_one("button[type=button][data-notice-close]")
            assert button["aria-label"].startswith("Dismiss notice: ")
            assert notice["data-notice-key"]
    second.sort_order = 0
    second.save()
    assert notices_on(client)[0].select_one(".site-notice__heading").get_text() == second.heading


def test_a_notice_switched_off_disappears_everywhere(client, tree):
    notice = tree["notice"]
    assert notices_on(client)
    notice.unpublish()
    assert not notices_on(client)
    assert "site-notices" not in client.get(tree["office"].url).content.decode()


def test_dismiss_key_changes_only_when_the_words_change(db):
    notice = SiteNoticeFactory(text="First words.")
    key = notice.dismiss_key
    notice.sort_order = 9
    notice.locked = True
    assert notice.dismiss_key == key
    notice.text = "New words."
    assert notice.dismiss_key != key
    assert notice.dismiss_key.startswith(f"{notice.pk}-")


def test_notice_text_is_escaped(client, tree):
    tree["notice"].text = '<script>alert("x")</script>'
    tree["notice"].save()
    html = client.get("/").content.decode()
    assert '<script>alert("x")</script>' not in html
    assert "&lt;script&gt;" in html


@pytest.fixture
def admin(superuser_client):
    return superuser_client


def test_editors_create_notices_in_the_admin_and_bad_links_are_refused(admin, tree):
    add = reverse("wagtailsnippets_announcements_sitenotice:add")
    bad = {
        "heading": "Road closure",
        "text": "Euclid Ave. is closed.",
        "link_url": "https://example.edu/roads",
        "link_text": "",
    }
    response = admin.post(add, bad)
    assert response.status_code == 200
    assert "A link needs link text." in response.content.decode()
    assert "Euclid Ave. is closed." in response.content.decode()  # nothing the editor typed is lost
    assert not SiteNotice.objects.filter(heading="Road closure").exists()

    response = admin.post(add, {**bad, "link_url": "javascript:alert(1)", "link_text": "Roads"})
    assert response.status_code == 200 and "Enter a valid URL" in response.content.decode()

    response = admin.post(add, {**bad, "link_text": "Road updates"})  # "Save draft"
    assert response.status_code == 302
    draft = SiteNotice.objects.get(heading="Road closure")
    assert not draft.live
    assert "Euclid Ave. is closed." not in admin.get("/").content.decode()  # drafts never show

    edit = reverse("wagtailsnippets_announcements_sitenotice:edit", args=[draft.pk])
    response = admin.post(edit, {**bad, "link_text": "Road updates", "action-publish": "publish"})
    assert response.status_code == 302
    admin.logout()
    assert "Euclid Ave. is closed." in admin.get("/").content.decode()


def test_notice_listing_shows_each_notice_state(admin, tree):
    SiteNoticeFactory(heading="Old notice", live=False)
    response = admin.get(reverse("wagtailsnippets_announcements_sitenotice:list"))
    assert response.status_code == 200
    rows = {
        row.select_one("td a").get_text(strip=True): row.get_text(" ", strip=True)
        for row in BeautifulSoup(response.content, "html.parser").select("tbody tr")
    }
    assert rows["Old notice"].endswith("draft") and rows["Announcements"].endswith("live")


def test_expired_notice_disappears_at_once(client, tree):
    from datetime import timedelta

    from django.utils import timezone

    notice = tree["notice"]
    notice.expire_at = timezone.now() - timedelta(minutes=1)
    notice.save()
    assert notice.live  # the scheduled job has not run yet…
    assert not notices_on(client)  # …but the notice is already gone


def test_editors_reorder_notices_by_drag_and_drop(admin, tree):
    """The admin listing's reorder action (what drag-and-drop posts) changes the public order."""
    SiteNotice.objects.all().delete()
    first = SiteNoticeFactory(heading="Announcements", sort_order=0)
    second = SiteNoticeFactory(heading="Information for our community", sort_order=1)
    url = reverse("wagtailsnippets_announcements_sitenotice:reorder", args=[second.pk])
    assert admin.post(f"{url}?position=0").status_code == 200
    admin.logout()
    headings = [n.select_one(".site-notice__heading").get_text() for n in notices_on(admin)]
    assert headings == [second.heading, first.heading]
