"""One pagination, one card and one audience-groups template, and links built by {% querystring %}.

Every paginated page (the four listings and search results) includes templates/includes/pagination.html;
every card (offices, organizations and statements, on the listings and the home page) is
templates/includes/card.html; offices and organizations are grouped by audience by
templates/includes/audience_groups.html on the listings and the home page alike.

Pagination and filter links are the request's own query string with one thing changed
(Django's ``{% querystring %}``): a page link changes only the page number, so the chosen
category stays; a filter link changes the category and starts again at page 1.
"""

import datetime
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup
from django.conf import settings
from django.http import QueryDict
from wagtail.images import get_image_model
from wagtail.images.tests.utils import get_test_image_file
from wagtail.rich_text import RichText

from offices.models import OfficeIndexPage, OrganizationIndexPage
from tests.factories.announcements import AnnouncementCategoryFactory, AnnouncementPageFactory
from tests.factories.offices import OfficePageFactory, OrganizationPageFactory
from tests.factories.statements import StatementPageFactory

TEMPLATES = Path(settings.BASE_DIR) / "templates"


def soup(response):
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser")


def used(response):
    return [template.name for template in response.templates]


def query(href):
    """The query string of a link, as a dict of lists (the order of the keys does not matter)."""
    return dict(QueryDict(urlsplit(href).query).lists())


def page_links(response):
    """{"prev": href, "next": href}: the links before and after the "Page n of N" text."""
    nav = soup(response).select_one("nav.pagination")
    position = nav.select_one("span")
    links = {}
    for a in nav.select("a"):
        links["prev" if a in position.find_all_previous("a") else "next"] = a["href"]
    return links


@pytest.fixture
def policies(tree):
    """Twelve policy announcements besides the tree's lecture: two pages of ten, one of them filtered."""
    category = AnnouncementCategoryFactory(name="Policies", slug="policies")
    for day in range(1, 13):
        AnnouncementPageFactory(
            parent=tree["announcements"],
            title=f"Policy update {day:02d}",
            category=category,
            date=datetime.date(2026, 10, day),
        )
    return tree["announcements"]


@pytest.fixture
def picture(db):
    return get_image_model().objects.create(
        title="Campus", description="Students outside the library", file=get_test_image_file(size=(1400, 800))
    )


# --- one pagination ---------------------------------------------------------------------------


def test_every_paginated_page_uses_the_one_pagination_template(client, tree, monkeypatch):
    for listing in (OfficeIndexPage, OrganizationIndexPage, type(tree["statements"])):
        monkeypatch.setattr(listing, "per_page", 1)  # two pages from two pages of content
    OfficePageFactory(parent=tree["offices"], title="Second office", audience=tree["md"])
    OrganizationPageFactory(parent=tree["organizations"], title="Second organization", audience=tree["students"])
    StatementPageFactory(parent=tree["statements"], title="A second statement", issued_by="the Dean", excerpt="Yes.")
    for n in range(1, 12):
        AnnouncementPageFactory(
            parent=tree["announcements"], title=f"Scholarship round {n:02d}", summary="Apply for a scholarship."
        )
    pages = {
        "/offices/?page=2": ("Pages of Offices", {"page": ["1"]}),
        "/organizations/?page=2": ("Pages of Organizations", {"page": ["1"]}),
        "/statements/?page=2": ("Pages of statements", {"page": ["1"]}),
        "/announcements/?page=2": ("Pages of announcements", {"page": ["1"]}),
        "/search/?query=scholarship&page=2": ("Pages of search results", {"query": ["scholarship"], "page": ["1"]}),
    }
    for url, (label, previous) in pages.items():
        response = client.get(url)
        assert used(response).count("includes/pagination.html") == 1, url
        navs = soup(response).select("nav.pagination")
        assert len(navs) == 1 and navs[0]["aria-label"] == label, url
        assert navs[0].select_one("span").get_text() == "Page 2 of 2", url
        assert query(page_links(response)["prev"]) == previous, url
        previous_link = navs[0].select_one("a[rel=prev]")
        assert previous_link is not None and previous_link["href"] == page_links(response)["prev"], url


def test_no_other_template_builds_pagination_or_query_strings_by_hand():
    """Pagination markup lives in includes/pagination.html only, and no link spells out ?page=, ?category= or
    ?query= itself: {% querystring %} builds them from the request."""
    pagination, hand_built = [], []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text()
        name = str(path.relative_to(TEMPLATES))
        if 'class="pagination"' in text:
            pagination.append(name)
        if re.search(r'href="[^"]*[?&](amp;)?(page|category|query)=', text):
            hand_built.append(name)
    assert pagination == ["includes/pagination.html"]
    assert hand_built == []


# --- page and filter links ----------------------------------------------------------------------


def test_page_links_on_a_filtered_listing_keep_the_filter(client, policies):
    first = client.get(policies.url, {"category": "policies"})
    assert query(page_links(first)["next"]) == {"category": ["policies"], "page": ["2"]}
    assert "prev" not in page_links(first)
    second = client.get(policies.url, {"category": "policies", "page": "2"})
    assert query(page_links(second)["prev"]) == {"category": ["policies"], "page": ["1"]}
    assert "next" not in page_links(second)
    # Unfiltered, the links carry the page number alone.
    assert query(page_links(client.get(policies.url))["next"]) == {"page": ["2"]}


def test_page_links_change_only_the_page_number(client, policies):
    """Whatever else the address carried (a campaign tag, say) stays on the next page."""
    response = client.get(policies.url, {"utm_source": "newsletter", "category": "policies"})
    assert query(page_links(response)["next"]) == {
        "utm_source": ["newsletter"],
        "category": ["policies"],
        "page": ["2"],
    }


def test_a_filter_link_starts_again_at_page_one(client, policies):
    page = soup(client.get(policies.url, {"page": "2", "utm_source": "newsletter"}))
    filters = {a.get_text(): a for a in page.select("nav.filters a")}
    assert filters["All"]["href"] == policies.url and filters["All"]["aria-current"] == "page"
    for name, slug in (("Policies", "policies"), ("Campus events", "campus-events")):
        href = filters[name]["href"]
        assert urlsplit(href).path == policies.url
        assert query(href) == {"utm_source": ["newsletter"], "category": [slug]}  # no page: page 1
        assert not filters[name].has_attr("aria-current")
    chosen = soup(client.get(policies.url, {"category": "policies", "page": "2"}))
    current = chosen.select("nav.filters a[aria-current=page]")
    assert [a.get_text() for a in current] == ["Policies"]
    assert query(current[0]["href"]) == {"category": ["policies"]}


def test_search_page_links_carry_the_query_as_searched(client, tree):
    """A query past the length limit is searched shortened; its page links carry the shortened words,
    so the next page is the same search (and its address stays short)."""
    for n in range(1, 12):
        AnnouncementPageFactory(
            parent=tree["announcements"], title=f"Scholarship round {n:02d}", summary="Apply for a scholarship."
        )
    typed = "scholarship " + "x" * 1000
    response = client.get("/search/", {"query": typed})
    shown = soup(response).select_one("main input[name=query]")["value"]
    assert len(shown) < len(typed)
    assert query(page_links(response)["next"]) == {"query": [shown], "page": ["2"]}


# --- one card, one audience-groups template ------------------------------------------------------


def test_every_card_is_the_one_card_template(client, tree):
    for url in ("/", "/offices/", "/organizations/", "/statements/"):
        response = client.get(url)
        names = used(response)
        assert "includes/card.html" in names, url
        assert soup(response).select(".card"), url
    for url in ("/", "/offices/", "/organizations/"):
        assert "includes/audience_groups.html" in used(client.get(url)), url
    # No other template writes a card, or groups pages by audience, itself.
    cards = [
        str(p.relative_to(TEMPLATES))
        for p in TEMPLATES.rglob("*.html")
        if re.search(r'class="card(?![-\w])', p.read_text())
    ]
    groups = [
        str(p.relative_to(TEMPLATES)) for p in TEMPLATES.rglob("*.html") if 'class="audience-group"' in p.read_text()
    ]
    assert cards == ["includes/card.html"]
    assert groups == ["includes/audience_groups.html"]


def test_card_headings_follow_the_outline(client, tree):
    home = soup(client.get("/"))
    md, students = tree["md"], tree["students"]
    office_group = home.select_one(f".network section.audience-group[aria-labelledby=office-audience-{md.pk}]")
    assert office_group.select_one(f"h3#office-audience-{md.pk}").get_text() == md.heading
    assert office_group.select_one(".card h4.card__title a").get_text() == tree["office"].title
    organization_group = home.select_one(
        f".organizations section.audience-group[aria-labelledby=organization-audience-{students.pk}]"
    )
    assert organization_group.select_one(".card h4.card__title a").get_text() == tree["organization"].title
    statement = home.select_one(".commitments .statement-card")
    assert statement.select_one("h3.card__title").get_text() == tree["statement"].title
    assert statement.select_one("blockquote").get_text(strip=True) == "We mean it."
    assert statement.select_one(".card__link a").get_text() == f"Read the full statement: {tree['statement'].title}"
    ids = [element["id"] for element in home.select("[id]")]
    assert len(ids) == len(set(ids)), "ids on the home page must be unique"

    offices = soup(client.get("/offices/"))
    group = offices.select_one(f"section.audience-group[aria-labelledby=audience-{md.pk}]")
    assert group.select_one(f"h2#audience-{md.pk}").get_text() == md.heading
    assert group.select_one("article.card h3.card__title a").get_text() == tree["office"].title
    website = group.select_one(".card__link a")
    assert website["href"] == tree["office"].website
    assert website.get_text() == f"Visit the {tree['office'].title} website (external site)"

    statements = soup(client.get("/statements/"))
    assert statements.select_one("article.card > h2.card__title a").get_text() == tree["statement"].title


def test_home_cards_show_the_logo_and_listing_cards_the_listing_image(client, tree, picture):
    office = tree["office"]
    office.logo = get_image_model().objects.create(title="Logo", file=get_test_image_file(size=(320, 160)))
    office.listing_image = picture
    office.save_revision().publish()
    home_card = soup(client.get("/")).select_one(".network .card")
    assert home_card.select("img") == home_card.select("img.card__logo")
    assert len(home_card.select("img")) == 1 and home_card.select_one("picture") is None
    listing_card = soup(client.get("/offices/")).select_one(".card")
    assert listing_card.select_one("img.card__logo") is None
    assert listing_card.select_one("picture img.card__image")["src"].startswith("/media/images/")


# --- stream bodies ----------------------------------------------------------------------------------


def test_stream_bodies_render_their_blocks_without_wrappers(client, tree):
    """Each block is its own template's markup, straight in the page: no <div class="block-…"> around it
    (what Wagtail's default rendering of a whole stream would add)."""
    page = tree["standard"]
    page.body = [("heading", {"text": "What we do", "level": "h2"}), ("paragraph", RichText("<p>We help.</p>"))]
    page.save_revision().publish()
    container = soup(client.get(page.url)).select_one("main .container")
    assert [child.name for child in container.find_all(recursive=False)] == ["h1", "h2", "div"]
    assert container.select_one(":scope > div.rich-text").get_text() == "We help."
    assert not container.select('[class*="block-"]')
