"""Visitors find and share the site: what search engines and feed readers see.

The first part is the rule that matters most, in one place: drafts, expired and private
pages appear in no listing, search result, feed or sitemap. Then canonical URLs, meta
descriptions, Open Graph/Twitter tags, JSON-LD, the sitemap and robots.txt.
"""

import datetime
import json
import xml.etree.ElementTree as ET
import zoneinfo

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from wagtail.images import get_image_model
from wagtail.images.tests.utils import get_test_image_file
from wagtail.models import Page, PageViewRestriction, Site

from tests.conftest import sitemap_locs
from tests.factories.announcements import AnnouncementPageFactory
from tests.factories.offices import OfficePageFactory, OrganizationPageFactory
from tests.factories.site import StandardPageFactory
from tests.factories.statements import StatementPageFactory

CHICAGO = zoneinfo.ZoneInfo("America/Chicago")
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
ATOM = "{http://www.w3.org/2005/Atom}"


def soup(response):
    return BeautifulSoup(response.content, "html.parser")


def event(day):
    return {"event_start": datetime.datetime(2026, 12, day, 12, 0, tzinfo=CHICAGO)}


def expire(page, when):
    type(page).objects.filter(pk=page.pk).update(expire_at=when)


# --- Drafts, expired and private pages appear nowhere ------------------------------


@pytest.fixture
def world(tree):
    """The `tree` site plus pages no visitor may find, each named "Zebra …"; one visible
    "Zebra" announcement (with an event) shows every channel is really looked at."""
    announcements, offices, organizations = tree["announcements"], tree["offices"], tree["organizations"]
    past = timezone.now() - datetime.timedelta(minutes=5)

    visible = AnnouncementPageFactory(parent=announcements, title="Zebra crossing repainted", **event(1))
    visible.save_revision().publish()
    # A live page's unpublished draft changes are not public either.
    visible.refresh_from_db()
    visible.summary = "Quagga draft-only words."
    visible.save_revision()

    draft = AnnouncementPageFactory(parent=announcements, title="Zebra draft announcement", live=False, **event(2))
    draft.save_revision()
    withdrawn = AnnouncementPageFactory(parent=announcements, title="Zebra withdrawn announcement", **event(3))
    withdrawn.save_revision().publish()
    withdrawn.unpublish()
    expired = AnnouncementPageFactory(parent=announcements, title="Zebra expired announcement", **event(4))
    expired_statement = StatementPageFactory(parent=tree["statements"], title="Zebra expired statement")
    for page in (expired, expired_statement):
        expire(page, past)
    call_command("publish_scheduled", stdout=open("/dev/null", "w"))  # the scheduled job unpublishes them
    # Past its expiry time, but the job has not run yet: already gone from every listing.
    lapsed = AnnouncementPageFactory(parent=announcements, title="Zebra lapsed announcement", **event(5))
    lapsed_office = OfficePageFactory(parent=offices, title="Zebra lapsed office", audience=tree["md"])
    lapsed_organization = OrganizationPageFactory(
        parent=organizations, title="Zebra lapsed organization", audience=tree["students"]
    )
    lapsed_statement = StatementPageFactory(parent=tree["statements"], title="Zebra lapsed statement")
    for page in (lapsed, lapsed_office, lapsed_organization, lapsed_statement):
        expire(page, past)

    private = AnnouncementPageFactory(parent=announcements, title="Zebra private announcement", **event(6))
    PageViewRestriction.objects.create(page=private, restriction_type=PageViewRestriction.LOGIN)
    password_office = OfficePageFactory(parent=offices, title="Zebra password office", audience=tree["md"])
    PageViewRestriction.objects.create(
        page=password_office, restriction_type=PageViewRestriction.PASSWORD, password="letmein-please"
    )
    draft_office = OfficePageFactory(parent=offices, title="Zebra draft office", audience=tree["md"], live=False)
    draft_office.save_revision()
    members = OrganizationPageFactory(
        parent=organizations, title="Zebra members organization", audience=tree["students"]
    )
    restriction = PageViewRestriction.objects.create(page=members, restriction_type=PageViewRestriction.GROUPS)
    restriction.groups.add(Group.objects.create(name="Zebra members"))
    staff_area = StandardPageFactory(parent=tree["home"], title="Zebra staff area")
    PageViewRestriction.objects.create(page=staff_area, restriction_type=PageViewRestriction.LOGIN)
    handbook = StandardPageFactory(parent=staff_area, title="Zebra staff handbook")  # private through its parent

    hidden = [
        draft,
        withdrawn,
        expired,
        expired_statement,
        lapsed,
        lapsed_office,
        lapsed_organization,
        lapsed_statement,
        private,
        password_office,
        draft_office,
        members,
        staff_area,
        handbook,
    ]
    assert Page.objects.filter(pk__in=[p.pk for p in hidden]).count() == len(hidden)
    assert not Page.objects.get(pk=expired.pk).live and Page.objects.get(pk=expired.pk).expired
    assert Page.objects.get(pk=lapsed.pk).live
    return {**tree, "visible": visible, "hidden": hidden}


def listing(client, world):
    return client.get("/announcements/").content.decode()


def office_listing(client, world):
    return client.get("/offices/").content.decode()


def organization_listing(client, world):
    return client.get("/organizations/").content.decode()


def statement_listing(client, world):
    return client.get("/statements/").content.decode()


def home_sections(client, world):
    return client.get("/").content.decode()


def search_results(client, world):
    queries = [
        "zebra",
        "zebras",
        "quagga",
        "draft",
        "expired",
        "lapsed",
        "private",
        "password",
        "members",
        "staff",
        "handbook",
    ]
    if connection.vendor == "postgresql":  # close matches too (pg_trgm, enabled by a migration)
        queries += ["zebar", "zebra staf handbok"]
    texts = []
    for query in queries:
        response = client.get("/search/", {"query": query})
        assert response.status_code == 200
        texts.append(str(soup(response).select_one("ol.search-results") or ""))  # the results, not the query
    return "\n".join(texts)


def rss(client, world):
    root = ET.fromstring(client.get("/announcements/feed/rss/").content)
    return "\n".join(ET.tostring(item, encoding="unicode") for item in root.iter("item"))


def atom(client, world):
    root = ET.fromstring(client.get("/announcements/feed/atom/").content)
    return "\n".join(ET.tostring(entry, encoding="unicode") for entry in root.iter(f"{ATOM}entry"))


def ical(client, world):
    return client.get("/announcements/events.ics").content.decode().replace("\r\n ", "")


def sitemap(client, world):
    return "\n".join(sitemap_locs(client))


CHANNELS = {
    "announcement listing": (listing, "Zebra crossing repainted"),
    "office listing": (office_listing, "Office of Diversity Programs"),
    "organization listing": (organization_listing, "Connections"),
    "statement listing": (statement_listing, "The Dean&#x27;s commitment"),
    "home page sections": (home_sections, "Office of Diversity Programs"),
    "search": (search_results, "Zebra crossing repainted"),
    "RSS": (rss, "Zebra crossing repainted"),
    "Atom": (atom, "Zebra crossing repainted"),
    "iCalendar": (ical, "SUMMARY:Zebra crossing repainted"),
    "sitemap": (sitemap, "http://localhost/announcements/zebra-crossing-repainted/"),
}


@pytest.mark.parametrize("channel", CHANNELS)
def test_drafts_expired_and_private_pages_appear_in_no_listing_search_feed_or_sitemap(client, world, channel):
    read, control = CHANNELS[channel]
    text = read(client, world)
    assert control in text, f"{channel} does not show the visible page, so this test would prove nothing"
    leaked = [page.title for page in world["hidden"] if page.title in text or f"/{page.slug}/" in text]
    assert leaked == [], f"{channel} shows {leaked}"
    assert "Quagga" not in text and "quagga" not in text, f"{channel} shows unpublished draft changes"


def test_the_visible_control_page_really_is_in_every_channel(client, world):
    """The negative test above only means something if hidden pages *would* be found."""
    titles = [a.get_text() for a in soup(client.get("/search/", {"query": "zebra"})).select("ol.search-results h2 a")]
    assert titles == ["Zebra crossing repainted"]
    # Were the hidden pages published and public, search and the feeds would list them.
    for page in world["hidden"]:
        PageViewRestriction.objects.filter(page=page).delete()
    Page.objects.filter(pk__in=[p.pk for p in world["hidden"]]).update(expire_at=None)
    for page in world["hidden"]:
        page.specific.save_revision().publish()
    titles = set()
    for number in (1, 2):
        response = client.get("/search/", {"query": "zebra", "page": number})
        titles |= {a.get_text() for a in soup(response).select("ol.search-results h2 a")}
    assert titles == {"Zebra crossing repainted"} | {p.title for p in world["hidden"]}
    assert len(ET.fromstring(client.get("/announcements/feed/rss/").content).findall("channel/item")) == 7


def test_home_sections_drop_pages_past_expiry_before_the_job_runs(client, tree):
    expire(tree["office"], timezone.now() - datetime.timedelta(minutes=1))
    assert "Office of Diversity Programs" not in client.get("/").content.decode()


# --- Canonical URLs, descriptions, Open Graph and Twitter ---------------------------

PAGE_KEYS = [
    "home",
    "offices",
    "office",
    "organizations",
    "organization",
    "statements",
    "statement",
    "announcements",
    "announcement",
    "standard",
]


@pytest.fixture
def picture(db):
    return get_image_model().objects.create(
        title="Campus", description="Students outside the library", file=get_test_image_file(size=(1400, 800))
    )


@pytest.mark.parametrize("key", PAGE_KEYS)
def test_every_page_has_an_absolute_canonical_url_and_open_graph_tags(client, tree, key):
    page = tree[key]
    page.summary = f"Summary of {page.title}."
    page.save_revision().publish()
    head = soup(client.get(page.url)).head
    canonical = head.find("link", rel="canonical")["href"]
    assert canonical == page.full_url and canonical.startswith("http://localhost/")
    assert head.find("meta", property="og:url")["content"] == canonical
    assert head.find("meta", property="og:title")["content"] == page.title
    assert head.find("meta", attrs={"name": "description"})["content"] == f"Summary of {page.title}."
    assert head.find("meta", property="og:description")["content"] == f"Summary of {page.title}."


@pytest.mark.parametrize("key", ["statement", "announcement", "office"])
def test_share_image_rendition_is_the_open_graph_and_twitter_image(client, tree, picture, key):
    page = tree[key]
    page.share_image = picture
    page.save_revision().publish()
    head = soup(client.get(page.url)).head
    rendition = picture.get_rendition("fill-1200x630")
    assert (rendition.width, rendition.height) == (1200, 630)
    assert head.find("meta", property="og:image")["content"] == f"http://testserver{rendition.url}"
    assert head.find("meta", property="og:image:alt")["content"] == "Students outside the library"
    assert head.find("meta", attrs={"name": "twitter:card"})["content"] == "summary_large_image"
    assert rendition.file.storage.exists(rendition.file.name)


# --- JSON-LD ------------------------------------------------------------------------


def json_ld(response):
    scripts = soup(response).find_all("script", type="application/ld+json")
    assert len(scripts) == 1
    data = json.loads(scripts[0].string)
    assert data["@context"] == "https://schema.org"
    return data["@graph"]


ORGANIZATION = {
    "@type": "Organization",
    "@id": "http://localhost/#organization",
    "name": "Diversity, Equity & Inclusion",
    "url": "http://localhost/",
    "logo": "http://testserver/static/img/favicon.svg",
}


@pytest.mark.parametrize("key", ["home", "offices", "office", "organization", "standard", "announcements"])
def test_every_page_describes_the_organization(client, tree, key):
    assert json_ld(client.get(tree[key].url)) == [ORGANIZATION]


@pytest.mark.parametrize("url, status", [("/search/?query=equity", 200), ("/no-such-page/", 404)])
def test_pages_without_a_wagtail_page_describe_the_organization_too(client, tree, url, status):
    response = client.get(url)
    assert response.status_code == status
    assert json_ld(response) == [ORGANIZATION]


def test_organization_name_comes_from_the_site_name(client, tree):
    Site.objects.filter(is_default_site=True).update(site_name="Office of DEI")
    assert json_ld(client.get("/"))[0]["name"] == "Office of DEI"


def test_statement_is_an_article(client, tree, picture):
    statement = tree["statement"]
    statement.issued_on = datetime.date(2020, 6, 5)
    statement.summary = "The Dean's personal commitment."
    statement.share_image = picture
    statement.save_revision().publish()
    statement.refresh_from_db()
    response = client.get(statement.url)
    organization, article = json_ld(response)
    assert organization == ORGANIZATION
    publisher = {key: ORGANIZATION[key] for key in ("@type", "@id", "name", "url")}
    assert article == {
        "@type": "Article",
        "headline": "The Dean's commitment",
        "url": "http://localhost/statements/the-deans-commitment/",
        "mainEntityOfPage": "http://localhost/statements/the-deans-commitment/",
        "description": "The Dean's personal commitment.",
        "image": soup(response).find("meta", property="og:image")["content"],
        "datePublished": "2020-06-05",
        "dateModified": article["dateModified"],
        "author": publisher,
        "publisher": publisher,
    }
    assert datetime.datetime.fromisoformat(article["dateModified"]) == statement.last_published_at


def test_statement_without_an_issue_date_was_published_when_it_went_live(client, tree):
    statement = tree["statement"]
    statement.save_revision().publish()
    statement.refresh_from_db()
    article = json_ld(client.get(statement.url))[1]
    assert datetime.datetime.fromisoformat(article["datePublished"]) == statement.first_published_at
    assert "image" not in article


def test_announcement_is_a_news_article(client, tree, picture):
    announcement = tree["announcement"]
    announcement.listing_image = picture  # the share image falls back to the listing image
    announcement.save_revision().publish()
    response = client.get(announcement.url)
    article = json_ld(response)[1]
    assert article["@type"] == "NewsArticle"
    assert article["headline"] == "Lecture on health equity"
    assert article["datePublished"] == "2026-11-01"
    assert article["description"] == "About Lecture on health equity."
    assert article["image"] == soup(response).find("meta", property="og:image")["content"]
    assert article["publisher"]["name"] == "Diversity, Equity & Inclusion"


HOSTILE = "</script><script>alert(1)</script>"


@pytest.mark.parametrize("key", ["statement", "announcement"])
def test_editor_text_cannot_break_out_of_the_json_ld(client, tree, key):
    page = tree[key]
    page.title = f"Title {HOSTILE}"
    page.summary = 'Summary "quoted" \\ back\u2028slash\n' + HOSTILE + "<!--"
    page.save_revision().publish()
    response = client.get(page.url)
    html = response.content.decode()
    assert "<script>alert(1)" not in html
    # Every script is either a file (src, no content) or the one JSON-LD block.
    inline = [script for script in soup(response).find_all("script") if not script.get("src")]
    assert [script.get("type") for script in inline] == ["application/ld+json"]
    assert all(not script.string for script in soup(response).find_all("script", src=True))
    article = json_ld(response)[1]
    assert article["headline"] == f"Title {HOSTILE}"
    assert article["description"] == page.summary


def test_long_headlines_are_shortened_for_search_engines(client, tree):
    statement = tree["statement"]
    statement.title = "A very long statement title " * 8
    statement.save_revision().publish()
    assert len(json_ld(client.get(statement.url))[1]["headline"]) == 110


# --- Sitemap and robots.txt ---------------------------------------------------------


def test_sitemap_lists_every_live_public_page_with_absolute_urls(client, tree):
    locs = sitemap_locs(client)
    assert sorted(locs) == sorted(tree[key].full_url for key in PAGE_KEYS)
    assert all(loc.startswith("http://localhost/") for loc in locs)


def test_sitemap_is_an_index_of_pages_of_500_urls(client, tree):
    for number in range(520):
        OfficePageFactory(parent=tree["offices"], title=f"Office number {number}", audience=tree["md"])
    index = ET.fromstring(client.get("/sitemap.xml").content)
    pages = [loc.text for loc in index.iter(f"{SITEMAP}loc")]
    assert pages == ["http://testserver/sitemap-pages.xml", "http://testserver/sitemap-pages.xml?p=2"]
    assert all(lastmod.text for lastmod in index.iter(f"{SITEMAP}lastmod"))
    second = ET.fromstring(client.get("/sitemap-pages.xml?p=2").content)
    assert len(list(second.iter(f"{SITEMAP}loc"))) == 520 + len(PAGE_KEYS) - 500
    assert len(sitemap_locs(client)) == 520 + len(PAGE_KEYS)
    assert client.get("/sitemap-pages.xml?p=3").status_code == 404


def test_robots_txt(client, tree):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert lines[0] == "User-agent: *"
    assert {"Disallow: /admin/", "Disallow: /search/"} <= set(lines)
    assert "Disallow: /" not in lines  # everything else may be crawled
    assert "Sitemap: http://testserver/sitemap.xml" in lines
    assert client.get("/sitemap.xml").status_code == 200


def test_search_results_are_not_indexed(client, tree):
    page = soup(client.get("/search/", {"query": "equity"}))
    assert page.find("meta", attrs={"name": "robots"})["content"] == "noindex"
    assert page.find("link", rel="canonical") is None
    assert soup(client.get("/")).find("meta", attrs={"name": "robots"}) is None


def test_share_image_on_another_host_is_not_prefixed_with_this_one(client, tree, picture, settings):
    """Media on object storage or a CDN (an absolute MEDIA_URL): og:image and the JSON-LD
    image are the rendition's own URL, not this host glued in front of it."""
    settings.MEDIA_URL = "https://media.example.org/media/"
    page = tree["statement"]
    page.share_image = picture
    page.save_revision().publish()
    response = client.get(page.url)
    url = picture.get_rendition("fill-1200x630").url
    assert url.startswith("https://media.example.org/media/")
    assert soup(response).head.find("meta", property="og:image")["content"] == url
    data = json.loads(soup(response).find("script", type="application/ld+json").string)
    assert data["@graph"][1]["image"] == url
