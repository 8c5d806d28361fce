"""The anonymous page cache and the site-chrome fragments (dei_portal/core/cache.py).

Every test here runs with both caches on, as production does. The freshness tests make
each kind of change the way the site makes it (publishing, the scheduled-publishing job,
moving, deleting, editing a notice or a setting) and assert that the very next anonymous
request shows it, after the page had been served from the cache.
"""

import datetime
import io
import os
import socket
import time

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone
from wagtail.models import Page, PageViewRestriction

from announcements.models import SiteNotice
from dei_portal.core import cache as page_cache
from dei_portal.models import NavigationSettings
from tests.conftest import login_verified
from tests.factories.announcements import AnnouncementPageFactory


def get(client, url):
    response = client.get(url)
    return response, response.content.decode()


def warm(client, *urls):
    """Request each URL until the cache serves it.

    The first request stores it; on a new site it may also create the settings rows
    (Wagtail creates a site's settings on first use), a change that starts a new
    generation, so it can take one more request.
    """
    for url in urls:
        for _ in range(3):
            if client.get(url).get("X-Cache") == "HIT":
                break
        else:
            raise AssertionError(f"{url} was not served from the cache")


# --- What is cached, for whom, with which headers -----------------------------------


def test_second_anonymous_request_is_served_from_the_cache_without_sql(client, tree, cached, django_assert_num_queries):
    client.get("/")  # creates the settings rows
    first = client.get("/offices/")
    assert first.status_code == 200 and first["X-Cache"] == "MISS"
    with django_assert_num_queries(0):
        second = client.get("/offices/")
    assert second["X-Cache"] == "HIT"
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"]


def test_cache_headers_fit_a_cdn_and_revalidation_is_cheap(client, tree, cached):
    response = client.get("/offices/")
    control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"public", "max-age=0", "s-maxage=0"} <= control
    assert response.has_header("ETag")
    again = client.get("/offices/", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304 and again.content == b""


@override_settings(CDN_MAX_AGE=300)
def test_cdn_max_age_is_capped_by_the_next_expiry(client, tree, cached):
    assert "s-maxage=300" in client.get("/offices/")["Cache-Control"]
    cache.clear()
    Page.objects.filter(pk=tree["office"].pk).update(expire_at=timezone.now() + datetime.timedelta(seconds=90))
    max_age = int(client.get("/statements/")["Cache-Control"].split("s-maxage=")[1].split(",")[0])
    assert 80 <= max_age <= 90


def test_feeds_search_and_sitemap_are_cached_too(client, tree, cached):
    warm(
        client,
        "/announcements/feed/rss/",
        "/announcements/events.ics",
        "/sitemap.xml",
        "/sitemap-pages.xml",
        "/search/?query=lecture",
    )


def test_query_strings_are_part_of_the_key(client, tree, cached):
    warm(client, "/search/?query=lecture")
    other = client.get("/search/?query=connections")
    assert other["X-Cache"] == "MISS"
    assert "Connections" in other.content.decode()
    # The same parameters in another order are the same page.
    warm(client, "/announcements/?page=1&category=campus-events")
    assert client.get("/announcements/?category=campus-events&page=1")["X-Cache"] == "HIT"


def test_signed_in_users_never_get_or_fill_the_cache(client, tree, cached, superuser):
    warm(client, "/offices/")
    login_verified(client, superuser)
    response = client.get("/offices/")
    assert not response.has_header("X-Cache")
    assert "private" in response["Cache-Control"]
    assert "wagtail-userbar" in response.content.decode()  # their own page, with the editing bar
    client.logout()
    anonymous = client.get("/offices/")
    assert "wagtail-userbar" not in anonymous.content.decode()


def test_admin_previews_and_documents_are_never_cached(client, tree, cached, superuser):
    login_verified(client, superuser)
    page = tree["office"]
    preview = client.get(f"/admin/pages/{page.pk}/edit/preview/")
    assert not preview.has_header("X-Cache")
    client.logout()
    for url in ("/admin/login/", "/documents/1/missing.pdf"):
        client.get(url)
        assert not client.get(url).has_header("X-Cache")


def test_responses_that_set_cookies_are_not_stored(client, tree, cached):
    """The password form of a private page sets the CSRF cookie: never stored, never shared."""
    PageViewRestriction.objects.create(
        page=tree["office"], restriction_type=PageViewRestriction.PASSWORD, password="letmein-please"
    )
    url = tree["office"].url
    first = client.get(url)
    assert first.status_code == 200 and first.cookies
    assert not first.has_header("X-Cache")
    client.cookies.clear()
    assert not client.get(url).has_header("X-Cache")


def test_view_restricted_pages_are_never_stored(client, tree, cached):
    """Even with no cookie set (the visitor already has a CSRF cookie), a private page's
    response is not shared."""
    PageViewRestriction.objects.create(
        page=tree["offices"], restriction_type=PageViewRestriction.PASSWORD, password="letmein-please"
    )
    client.get("/")  # any page
    client.cookies["csrftoken"] = "x" * 32
    url = tree["office"].url
    for _ in range(2):
        response = client.get(url)
        assert response.status_code == 200 and "password" in response.content.decode().lower()
        assert not response.has_header("X-Cache")
    login = PageViewRestriction.objects.create(page=tree["statements"], restriction_type=PageViewRestriction.LOGIN)
    assert login.pk
    for _ in range(2):
        assert client.get(tree["statement"].url).status_code == 302


def test_not_found_pages_are_not_stored(client, tree, cached):
    for _ in range(2):
        response = client.get("/no-such-page/")
        assert response.status_code == 404 and not response.has_header("X-Cache")


# --- Freshness: every change shows on the very next request -------------------------


def test_publishing_a_new_page_shows_at_once_everywhere(client, tree, cached):
    urls = ["/", "/announcements/", "/announcements/feed/rss/", "/sitemap-pages.xml", "/search/?query=scholarship"]
    warm(client, *urls)
    page = AnnouncementPageFactory(parent=tree["announcements"], title="Scholarship deadline", live=False)
    page.save_revision().publish()
    for url in urls[1:]:
        response, text = get(client, url)
        assert response["X-Cache"] == "MISS", url
        assert "Scholarship deadline" in text or "/scholarship-deadline/" in text, url


def test_publishing_an_edit_through_the_admin_shows_at_once(client, tree, cached, superuser):
    office = tree["office"]
    office.save_revision().publish()
    warm(client, office.url, "/offices/")
    login_verified(client, superuser)
    edit = client.get(f"/admin/pages/{office.pk}/edit/")
    assert edit.status_code == 200
    from wagtail.test.utils.form_data import inline_formset, nested_form_data, streamfield

    data = nested_form_data(
        {
            "title": "Office of Diversity Programs and Outreach",
            "slug": office.slug,
            "audience": tree["md"].pk,
            "summary": "Renamed today.",
            "body": streamfield([]),
            "website": office.website,
            "contact_email": "",
            "phone": "",
            "location": "",
            "seo_title": "",
            "search_description": "",
            "comments": inline_formset([]),
            "action-publish": "publish",
        }
    )
    response = client.post(f"/admin/pages/{office.pk}/edit/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    client.logout()
    for url in (office.url, "/offices/"):
        _, text = get(client, url)
        assert "Office of Diversity Programs and Outreach" in text, url


def test_unpublishing_moving_and_deleting_show_at_once(client, tree, cached):
    office = tree["office"]
    warm(client, office.url, "/offices/", "/")
    office.unpublish()
    assert client.get(office.url).status_code == 404
    assert "Office of Diversity Programs" not in get(client, "/offices/")[1]

    office.save_revision().publish()
    warm(client, office.url, "/organizations/")
    office.refresh_from_db()
    office.move(tree["home"], pos="last-child")
    old_address = client.get("/offices/office-of-diversity-programs/")  # Wagtail redirects moved pages
    assert old_address.status_code == 301 and old_address["Location"] == "/office-of-diversity-programs/"
    assert client.get("/office-of-diversity-programs/").status_code == 200

    organization = tree["organization"]
    warm(client, "/organizations/", organization.url)
    organization.delete()
    assert client.get(organization.url).status_code == 404
    assert "Connections" not in get(client, "/organizations/")[1]


def test_scheduled_publishing_and_expiry_show_at_once(client, tree, cached):
    warm(client, "/announcements/", "/")
    soon = AnnouncementPageFactory(parent=tree["announcements"], title="Scheduled lecture", live=False)
    revision = soon.save_revision(approved_go_live_at=timezone.now() - datetime.timedelta(seconds=1))
    revision.publish()  # with a go-live time in the past… it is due: the job publishes it
    call_command("publish_scheduled", stdout=io.StringIO())
    assert "Scheduled lecture" in get(client, "/announcements/")[1]

    # Expiry by the clock, before the job runs: the cached listing lasts only until then.
    expiring = AnnouncementPageFactory(parent=tree["announcements"], title="Short-lived notice of a talk")
    expiring.expire_at = timezone.now() + datetime.timedelta(seconds=2)
    expiring.save_revision().publish()
    warm(client, "/announcements/")
    assert "Short-lived notice of a talk" in get(client, "/announcements/")[1]
    time.sleep(2.2)
    assert "Short-lived notice of a talk" not in get(client, "/announcements/")[1]
    # The job then unpublishes it, which takes it off its own address too.
    call_command("publish_scheduled", stdout=io.StringIO())
    assert client.get(expiring.url).status_code == 404


def test_notice_changes_show_at_once(client, tree, cached):
    notice = tree["notice"]
    notice.save_revision().publish()
    warm(client, "/", "/offices/")
    notice.text = "The library is open late this week."
    notice.save_revision().publish()
    for url in ("/", "/offices/"):
        assert "The library is open late this week." in get(client, url)[1]

    SiteNotice.objects.filter(pk=notice.pk).update(sort_order=0)
    second = SiteNotice.objects.create(heading="Information for our community", text="Welcome.", sort_order=1)
    second.save_revision().publish()
    text = get(client, "/")[1]
    assert text.index("The library is open late") < text.index("Information for our community")
    second.sort_order = -1  # editors drag it to the top
    second.save()
    text = get(client, "/")[1]
    assert text.index("Information for our community") < text.index("The library is open late")

    notice.unpublish()
    assert "The library is open late this week." not in get(client, "/")[1]
    second.expire_at = timezone.now() + datetime.timedelta(seconds=2)
    second.save_revision().publish()
    warm(client, "/statements/")
    time.sleep(2.2)
    assert "Information for our community" not in get(client, "/statements/")[1]


def test_settings_audience_and_view_restriction_changes_show_at_once(client, tree, cached):
    warm(client, "/", "/offices/", tree["office"].url)
    navigation = NavigationSettings.for_site(tree["home"].get_site())
    navigation.primary_menu = [("link", {"text": "Our offices", "page": tree["offices"], "url": ""})]
    navigation.save()
    assert ">Our offices</a>" in get(client, "/offices/")[1]

    audience = tree["md"]
    audience.heading = "For everyone in the MD program"
    audience.save()
    assert "For everyone in the MD program" in get(client, "/offices/")[1]

    PageViewRestriction.objects.create(page=tree["office"], restriction_type=PageViewRestriction.LOGIN)
    assert client.get(tree["office"].url).status_code == 302
    assert "Office of Diversity Programs" not in get(client, "/offices/")[1]


def test_draft_saves_keep_the_cache(client, tree, cached):
    office = tree["office"]
    office.save_revision().publish()
    warm(client, office.url)
    office.title = "A draft title nobody sees yet"
    office.save_revision()
    response, text = get(client, office.url)
    assert response["X-Cache"] == "HIT"
    assert "A draft title nobody sees yet" not in text


# --- Where the generation lives; Redis, and Redis down ------------------------------


def test_local_memory_generation_is_a_stamp_file_every_worker_sees(db, settings, cached):
    before = page_cache.generation()
    page_cache.invalidate()
    after = page_cache.generation()
    assert after != before
    assert os.stat(settings.PAGE_CACHE_STAMP_FILE).st_mtime_ns == after


def redis_available():
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


# cache.clear() empties the whole Redis database, so each pytest-xdist worker has its own:
# database 15 for the first (or the only) process, 14 for the next, and so on.
WORKER = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw"))
REDIS = {
    "default": {
        "BACKEND": "dei_portal.operations.cache_backends.ResilientRedisCache",
        "LOCATION": f"redis://127.0.0.1:6379/{15 - WORKER % 8}",
        "KEY_PREFIX": "dei-portal-tests",
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
}


@pytest.mark.skipif(not redis_available(), reason="needs Redis on 127.0.0.1:6379 (CI has it)")
def test_with_redis_pages_are_cached_there_and_stay_fresh(client, tree, cached):
    with override_settings(CACHES=REDIS):
        cache.clear()
        assert type(cache._cache).__name__ == "RedisCacheClient"
        warm(client, "/offices/")
        generation = page_cache.generation()
        office = tree["office"]
        office.title = "Office of Diversity Programs (renamed)"
        office.save_revision().publish()
        assert page_cache.generation() > generation
        assert "Office of Diversity Programs (renamed)" in get(client, "/offices/")[1]
        cache.clear()


def test_with_redis_down_pages_are_still_served(client, tree, cached, caplog):
    down = {"default": {**REDIS["default"], "LOCATION": "redis://127.0.0.1:1/0"}}
    with override_settings(CACHES=down):
        for url in ("/", "/offices/", tree["office"].url, "/announcements/feed/rss/"):
            response = client.get(url)
            assert response.status_code == 200, url
            assert not response.has_header("X-Cache")
        tree["office"].save_revision().publish()  # invalidating fails quietly too
    assert "Cache unavailable" in caplog.text


def test_an_outage_logs_once_and_costs_no_retries_until_the_retry_time(client, tree, cached, caplog, monkeypatch):
    """While Redis is down the backend stops asking it for RETRY_SECONDS: one warning per
    process, not one per cache call, and no connection attempt per request."""
    from django.core.cache import caches

    down = {"default": {**REDIS["default"], "LOCATION": "redis://127.0.0.1:1/0"}}
    with override_settings(CACHES=down):
        backend = caches["default"]
        attempts = []
        for name in ("get", "get_many", "set", "add", "set_many"):
            original = getattr(backend._cache, name)
            monkeypatch.setattr(
                backend._cache, name, lambda *a, _original=original, **k: attempts.append(a) or _original(*a, **k)
            )
        for _ in range(5):
            assert client.get("/offices/").status_code == 200
        warnings = [r for r in caplog.records if r.name == "dei_portal.cache_backends" and "unavailable" in r.message]
        assert len(warnings) == 1, [r.message for r in warnings]
        assert len(attempts) == 1  # the first call failed; the rest were answered without asking
        # After the retry time, Redis is asked again (and found still down: one more warning).
        backend._down_until = 0.0
        assert client.get("/offices/").status_code == 200
        assert len(attempts) == 2


@pytest.mark.skipif(not redis_available(), reason="needs Redis on 127.0.0.1:6379 (CI has it)")
def test_invalidation_reaches_a_redis_that_came_back_before_the_retry_time(cached):
    """A process that still counts Redis as down skips reads and fills, but never an
    invalidation: a publish just after Redis returns must move the generation there."""
    from django.core.cache import caches

    with override_settings(CACHES=REDIS):
        backend = caches["default"]
        backend.clear()
        backend.set(page_cache.GENERATION_KEY, 5, timeout=None)
        backend._down_until = float("inf")  # as if a call had just failed
        assert backend.get(page_cache.GENERATION_KEY) is None  # reads: a miss, Redis not asked
        backend.set("other", 1)  # fills: dropped
        page_cache._bump()
        backend._down_until = 0.0
        assert backend.get(page_cache.GENERATION_KEY) == 6
        assert backend.get("other") is None
        backend.clear()
