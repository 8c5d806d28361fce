"""Every page type renders with its content; the page-tree rules hold; base-page fields show."""

import pytest
from bs4 import BeautifulSoup
from wagtail.images import get_image_model
from wagtail.images.tests.utils import get_test_image_file
from wagtail.models import Page
from wagtail.test.utils import WagtailPageTestCase

from announcements.models import AnnouncementIndexPage, AnnouncementPage
from dei_portal.models import HomePage, StandardPage, StatementIndexPage, StatementPage
from offices.models import OfficeIndexPage, OfficePage, OrganizationIndexPage, OrganizationPage


def soup(response):
    return BeautifulSoup(response.content, "html.parser")


@pytest.mark.parametrize(
    "key, template, expected",
    [
        ("home", "dei_portal/home_page.html", ["Office of Diversity Programs", "Connections", "We mean it."]),
        (
            "offices",
            "offices/audience_index_page.html",
            ["Office of Diversity Programs", "For students and faculty of the MD program"],
        ),
        (
            "office",
            "offices/office_page.html",
            ["Office of Diversity Programs", "https://office-of-diversity-programs.example.edu/"],
        ),
        ("organizations", "offices/audience_index_page.html", ["Connections"]),
        ("organization", "offices/organization_page.html", ["Connections", "Audience: Students"]),
        ("statements", "dei_portal/statement_index_page.html", ["The Dean&#x27;s commitment"]),
        ("statement", "dei_portal/statement_page.html", ["Issued by the Dean", "We mean it."]),
        ("announcements", "announcements/announcement_index_page.html", ["Lecture on health equity", "Campus events"]),
        ("announcement", "announcements/announcement_page.html", ["Lecture on health equity", "November 1, 2026"]),
        ("standard", "dei_portal/standard_page.html", ["Accessibility statement"]),
    ],
)
def test_every_page_type_renders_with_its_content(client, tree, key, template, expected):
    response = client.get(tree[key].url)
    assert response.status_code == 200
    assert template in [t.name for t in response.templates]
    html = response.content.decode()
    for text in expected:
        assert text in html, f"{text!r} missing from {key}"
    page = soup(response)
    assert page.select_one("main#main-content h1")
    assert page.select_one("a.skip-link[href='#main-content']")
    # The notice shows on every page, with a real, named close button.
    button = page.select_one(".site-notice button[data-notice-close]")
    assert button is not None and "Announcements" in button["aria-label"]


class PageTreeRulesTests(WagtailPageTestCase):
    def test_home_only_at_the_root(self):
        self.assertCanCreateAt(Page, HomePage)
        for parent in (HomePage, StandardPage, OfficeIndexPage, StatementIndexPage):
            self.assertCanNotCreateAt(parent, HomePage)

    def test_sections_live_under_home(self):
        for index in (OfficeIndexPage, OrganizationIndexPage, StatementIndexPage, AnnouncementIndexPage):
            self.assertCanCreateAt(HomePage, index)
            self.assertCanNotCreateAt(StandardPage, index)
            self.assertCanNotCreateAt(index, StandardPage)
        self.assertCanCreateAt(HomePage, StandardPage)

    def test_detail_pages_live_under_their_index_only(self):
        pairs = {
            OfficePage: OfficeIndexPage,
            OrganizationPage: OrganizationIndexPage,
            StatementPage: StatementIndexPage,
            AnnouncementPage: AnnouncementIndexPage,
        }
        for child, parent in pairs.items():
            self.assertCanCreateAt(parent, child)
            self.assertCanNotCreateAt(HomePage, child)
            for other in set(pairs.values()) - {parent}:
                self.assertCanNotCreateAt(other, child)
            self.assertAllowedSubpageTypes(child, {})

    def test_standard_pages_nest(self):
        self.assertCanCreateAt(StandardPage, StandardPage)
        self.assertCanNotCreateAt(OfficePage, StandardPage)


def test_one_index_of_each_kind_per_home(tree):
    home = tree["home"]
    for model in (OfficeIndexPage, OrganizationIndexPage, StatementIndexPage, AnnouncementIndexPage):
        assert not model.can_create_at(home), f"a second {model.__name__} must not be allowed"


@pytest.fixture
def picture(db):
    return get_image_model().objects.create(
        title="Campus", description="Students outside the library", file=get_test_image_file()
    )


def test_title_tag_comes_from_seo_title(client, tree):
    office = tree["office"]
    assert soup(client.get(office.url)).title.string.startswith("Office of Diversity Programs")
    office.seo_title = "Diversity Programs for MD students"
    office.save_revision().publish()
    assert soup(client.get(office.url)).title.string.startswith("Diversity Programs for MD students")


def test_meta_description_from_search_description_else_summary(client, tree):
    office = tree["office"]
    description = soup(client.get(office.url)).find("meta", attrs={"name": "description"})
    assert description["content"] == office.summary
    office.search_description = "Search engine text for the office."
    office.save_revision().publish()
    description = soup(client.get(office.url)).find("meta", attrs={"name": "description"})
    assert description["content"] == "Search engine text for the office."


def test_share_image_becomes_open_graph_image(client, tree, picture):
    office = tree["office"]
    assert soup(client.get(office.url)).find("meta", property="og:image") is None
    office.share_image = picture
    office.save_revision().publish()
    page = soup(client.get(office.url))
    og_image = page.find("meta", property="og:image")
    assert og_image["content"].startswith("http://testserver/media/images/")
    assert page.find("meta", property="og:image:alt")["content"] == "Students outside the library"
    assert page.find("meta", attrs={"name": "twitter:card"})["content"] == "summary_large_image"


def test_listing_summary_and_image_show_on_parent_cards(client, tree, picture):
    statement, index = tree["statement"], tree["statements"]
    card = soup(client.get(index.url)).select_one(".card")
    assert card.select_one("img") is None
    statement.summary = "A summary written for listings."
    statement.listing_image = picture
    statement.save_revision().publish()
    card = soup(client.get(index.url)).select_one(".card")
    assert "A summary written for listings." in card.get_text()
    assert card.select_one("img")["src"].startswith("/media/images/")


def test_breadcrumbs_show_live_ancestors(client, tree):
    crumbs = soup(client.get(tree["office"].url)).select_one("nav[aria-label=Breadcrumb]")
    assert [a.get_text() for a in crumbs.select("a")] == [tree["home"].title, "Offices"]
    assert crumbs.select_one("[aria-current=page]").get_text() == "Office of Diversity Programs"
