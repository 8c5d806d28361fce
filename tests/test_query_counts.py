"""SQL queries per page do not grow with the content.

Every page type is requested on the demo content plus generated content at a small size
(``--scale 10``: 10 offices, 100 announcements), then again after growing it to the
benchmark size (``--scale 1000``: 1,000 offices, 200 organizations, 100 statements and
10,000 announcements). Each page must take exactly as many queries at both sizes, and
no more than: home 10, a detail page 8, a listing (or feed, search, sitemap) 10.

Measured as production serves them with the full-page cache off: the site chrome
(notices, menu, footer) and image renditions come from the cache, so each page is
requested twice to warm those before it is counted.
"""

import io
import os

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dei_portal.core import memo
from dei_portal.demo.scale import add_scaled_content

SMALL = 10
LARGE = int(os.environ.get("QUERY_COUNT_SCALE", "1000"))

HOME, DETAIL, LISTING = 10, 8, 10
PAGES = [
    ("/", HOME),
    ("/offices/faculty-affairs/", DETAIL),
    ("/organizations/wumma/", DETAIL),
    ("/statements/deans-commitment/", DETAIL),
    ("/announcements/heritage-month-lecture/", DETAIL),
    ("/accessibility/", DETAIL),
    ("/offices/", LISTING),
    ("/offices/?page=2", LISTING),
    ("/organizations/", LISTING),
    ("/statements/", LISTING),
    ("/announcements/", LISTING),
    ("/announcements/?page=5", LISTING),
    ("/announcements/?category=campus-events", LISTING),
    ("/search/?query=mentoring", LISTING),
    ("/announcements/feed/rss/", LISTING),
    ("/announcements/feed/atom/", LISTING),
    ("/announcements/events.ics", LISTING),
    ("/sitemap.xml", LISTING),
    ("/sitemap-pages.xml", LISTING),
]


def count_queries(client):
    counts = {}
    for url, _limit in PAGES:
        # Warm the chrome and rendition caches: the first request makes the renditions,
        # the second finds them in the database and caches them.
        client.get(url)
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, url
        counts[url] = len(queries.captured_queries)
    return counts


@pytest.fixture
def counted_site(db, home, settings, tmp_path):
    settings.PAGE_CACHE = False
    settings.FRAGMENT_CACHE = True
    settings.PAGE_CACHE_STAMP_FILE = str(tmp_path / "generation")
    cache.clear()
    memo.clear()
    call_command("load_demo_content", stdout=io.StringIO())
    yield
    cache.clear()
    memo.clear()


def test_queries_per_page_are_few_and_the_same_at_any_content_size(client, counted_site):
    from announcements.models import AnnouncementPage
    from offices.models import OfficePage

    add_scaled_content(SMALL, stdout=io.StringIO())
    small_offices, small_announcements = OfficePage.objects.count(), AnnouncementPage.objects.count()
    small = count_queries(client)

    add_scaled_content(LARGE, stdout=io.StringIO())
    assert OfficePage.objects.count() - small_offices == LARGE - SMALL
    assert AnnouncementPage.objects.count() - small_announcements == 10 * (LARGE - SMALL)
    large = count_queries(client)

    report = "\n".join(f"{url:45} {small[url]:3} {large[url]:3}  (at most {limit})" for url, limit in PAGES)
    print(report)
    assert large == small, "queries grew with the content:\n" + report
    over = [url for url, limit in PAGES if large[url] > limit]
    assert not over, "too many queries:\n" + report
