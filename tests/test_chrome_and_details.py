"""Navigation, footer, statement posters and announcement event details."""

import datetime

import pytest
from bs4 import BeautifulSoup
from django.core.exceptions import ValidationError
from django.utils import timezone
from wagtail_factories import DocumentFactory

from dei_portal.models import FooterSettings, StatementPoster
from tests.factories.announcements import AnnouncementPageFactory
from tests.factories.statements import StatementPageFactory


def soup(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser")


def test_primary_menu_marks_the_current_section(client, demo):
    page = soup(client, "/offices/faculty-affairs/")
    menu = page.select_one("header nav[aria-label=Main]")
    labels = [a.get_text() for a in menu.select("a")]
    assert labels == [
        "Offices",
        "Student- and trainee-run organizations",
        "Statements of commitment",
        "Announcements",
        "Contact",
    ]
    assert menu.select_one("a[aria-current=page]").get_text() == "Offices"


def test_footer_shows_contact_social_and_legal_links_from_settings(client, demo):
    footer = soup(client, "/").select_one("footer.site-footer")
    assert "660 S. Euclid Ave." in footer.select_one("address").get_text()
    social = footer.select_one("nav[aria-label='Social media']")
    assert social.select_one("a[href='https://www.instagram.com/washumedicine/']")
    legal = footer.select_one("nav[aria-label='Legal and policies']")
    assert [a["href"] for a in legal.select("a")] == ["/accessibility/", "/contact/"]

    settings = FooterSettings.objects.get()
    settings.email = "dei@example.edu"
    settings.phone = "(314) 555-0100"
    settings.save()
    footer = soup(client, "/contact/").select_one("footer.site-footer")
    assert footer.select_one("a[href='mailto:dei@example.edu']")
    assert footer.select_one("a[href='tel:3145550100']")


def test_statement_page_shows_posters_with_type_and_size_and_posting_instructions(client, demo):
    page = soup(client, "/statements/welcome-statement/")
    posting = page.select_one("section.posting")
    assert "Post this statement" in posting.h2.get_text()
    assert "print it in color" in posting.get_text()
    link = posting.select_one(".download a")
    assert "Welcome statement poster, letter size" in link.get_text()
    assert "(PDF, " in link.get_text() and "KB)" in link.get_text()


def test_statement_posters_can_be_images_too(client, tree):
    statement = tree["statement"]
    document = DocumentFactory(
        title="Poster image", file__filename="poster.png", file__data=b"\x89PNG\r\n\x1a\n" + b"0" * 2048
    )
    StatementPoster.objects.create(page=statement, document=document, label="Poster, as an image")
    statement.save_revision().publish()
    link = soup(client, statement.url).select_one("section.posting .download a")
    assert "Poster, as an image" in link.get_text() and "(PNG, 2.0" in link.get_text()


def test_announcement_shows_event_time_and_place(client, tree):
    start = timezone.make_aware(datetime.datetime(2026, 12, 3, 17, 30))
    item = AnnouncementPageFactory(
        parent=tree["announcements"],
        title="Lecture",
        event_start=start,
        event_end=start + datetime.timedelta(hours=1, minutes=30),
        event_location="Connor Auditorium",
    )
    details = soup(client, item.url).select_one("dl.event-details")
    text = details.get_text(" ", strip=True)
    assert "Thursday, December 3, 2026, 5:30 PM" in text and "7:00 PM" in text
    assert "Connor Auditorium" in text


def test_event_cannot_end_before_it_starts(tree):
    start = timezone.now()
    item = AnnouncementPageFactory.build(event_start=start, event_end=start - datetime.timedelta(hours=1))
    with pytest.raises(ValidationError) as error:
        item.clean()
    assert "cannot end before it starts" in str(error.value)


def test_organization_links_its_related_office_only_while_live(client, tree):
    organization, office = tree["organization"], tree["office"]
    organization.related_office = office
    organization.save_revision().publish()
    assert soup(client, organization.url).find("a", href=office.url)
    office.unpublish()
    assert "Office of Diversity Programs" not in client.get(organization.url).content.decode()


def test_home_statement_listing_follows_the_show_on_home_switch(client, tree):
    hidden = StatementPageFactory(parent=tree["statements"], title="Welcome statement", show_on_home=False)
    html = client.get("/").content.decode()
    assert "The Dean&#x27;s commitment" in html and hidden.title not in html
