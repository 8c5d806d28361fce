"""Announcement feeds: RSS, Atom and the iCalendar file of events.

Which announcements they leave out (drafts, expired, private) is tested with every other
listing in test_discoverability.py.
"""

import datetime
import email.utils
import html
import re
import xml.etree.ElementTree as ET
import zoneinfo

import pytest
from bs4 import BeautifulSoup
from django.utils import timezone

from announcements.feeds import fold, ical_text
from tests.factories.announcements import AnnouncementCategoryFactory, AnnouncementPageFactory

CHICAGO = zoneinfo.ZoneInfo("America/Chicago")
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def news(tree):
    index = tree["announcements"]
    town_hall = AnnouncementPageFactory(
        parent=index,
        title="Town hall: Q&A <live> & open",
        date=datetime.date(2026, 11, 20),
        category=AnnouncementCategoryFactory(name="Community & culture", slug="community"),
        summary='Bring questions; we\'ll answer "all" of them <b>live</b>.',
        event_start=datetime.datetime(2026, 12, 3, 11, 30, tzinfo=CHICAGO),
        event_end=datetime.datetime(2026, 12, 3, 13, 0, tzinfo=CHICAGO),
        event_location="Room 101, Farrell Building; east entrance",
    )
    town_hall.save_revision().publish()
    policy = AnnouncementPageFactory(
        parent=index, title="New leave policy", date=datetime.date(2026, 11, 10), summary="What changes in January."
    )
    policy.save_revision().publish()
    town_hall.refresh_from_db()
    policy.refresh_from_db()
    return {**tree, "town_hall": town_hall, "policy": policy, "lecture": tree["announcement"]}


def rss(client):
    response = client.get("/announcements/feed/rss/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/rss+xml; charset=utf-8"
    return ET.fromstring(response.content)


def atom(client):
    response = client.get("/announcements/feed/atom/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
    return ET.fromstring(response.content)


def ics(client):
    response = client.get("/announcements/events.ics")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return response.content


def unfold(body):
    """RFC 5545 content lines: CRLF line ends, continuation lines start with a space."""
    text = body.decode("utf-8")
    assert text.endswith("\r\n")
    assert "\n" not in text.replace("\r\n", ""), "every line ends with CRLF"
    return text.replace("\r\n ", "").split("\r\n")[:-1]


def events(body):
    """[{property: value}, …] for each VEVENT (no property repeats in ours)."""
    found, current = [], None
    for line in unfold(body):
        name, _, value = line.partition(":")
        if line == "BEGIN:VEVENT":
            current = {}
        elif line == "END:VEVENT":
            found.append(current)
            current = None
        elif current is not None:
            assert name not in current
            current[name] = value
    return found


# --- RSS and Atom -------------------------------------------------------------------


def test_rss_lists_announcements_newest_first_with_their_details(client, news):
    channel = rss(client).find("channel")
    assert channel.findtext("title") == "Diversity, Equity & Inclusion: announcements"
    assert channel.findtext("link") == "http://localhost/announcements/"
    items = channel.findall("item")
    assert [item.findtext("title") for item in items] == [
        "Town hall: Q&A <live> & open",
        "New leave policy",
        "Lecture on health equity",
    ]
    first = items[0]
    town_hall = news["town_hall"]
    assert first.findtext("link") == "http://localhost/announcements/town-hall-qa-live-open/"
    assert html.unescape(first.findtext("description")) == town_hall.summary
    assert first.findtext("category") == "Community & culture"
    guid = first.find("guid")
    assert guid.get("isPermaLink") == "false"
    assert guid.text == f"tag:localhost,{town_hall.first_published_at.year}:announcement-{town_hall.pk}"
    # Dated on its announcement date (it was published on another day), in the site's time zone.
    assert email.utils.parsedate_to_datetime(first.findtext("pubDate")) == datetime.datetime(
        2026, 11, 20, tzinfo=CHICAGO
    )


def test_feed_text_is_escaped_once(client, news):
    body = client.get("/announcements/feed/rss/").content.decode()
    assert "<live>" not in body and "<b>live</b>" not in body
    assert "Town hall: Q&amp;A &lt;live&gt; &amp; open" in body  # plain text title, escaped for XML only
    # The description is HTML (RSS and Atom type="html"): the plain summary is escaped as HTML.
    description = rss(client).find("channel/item").findtext("description")
    assert "&lt;b&gt;live&lt;/b&gt;" in description


def test_announcement_published_on_its_date_is_dated_when_it_went_live(client, tree):
    page = AnnouncementPageFactory(parent=tree["announcements"], title="Same day", date=timezone.localdate())
    page.save_revision().publish()
    page.refresh_from_db()
    item = rss(client).find("channel/item")
    assert item.findtext("title") == "Same day"
    assert email.utils.parsedate_to_datetime(item.findtext("pubDate")) == page.first_published_at.replace(microsecond=0)


def test_atom_feed_has_the_same_entries(client, news):
    feed = atom(client)
    assert feed.findtext(f"{ATOM}title") == "Diversity, Equity & Inclusion: announcements"
    assert feed.find(f"{ATOM}link[@rel='alternate']").get("href") == "http://localhost/announcements/"
    assert feed.find(f"{ATOM}link[@rel='self']").get("href") == "http://testserver/announcements/feed/atom/"
    entries = feed.findall(f"{ATOM}entry")
    assert [entry.findtext(f"{ATOM}title") for entry in entries] == [
        "Town hall: Q&A <live> & open",
        "New leave policy",
        "Lecture on health equity",
    ]
    entry, town_hall = entries[0], news["town_hall"]
    assert (
        entry.findtext(f"{ATOM}id") == f"tag:localhost,{town_hall.first_published_at.year}:announcement-{town_hall.pk}"
    )
    assert entry.find(f"{ATOM}link").get("href") == "http://localhost/announcements/town-hall-qa-live-open/"
    summary = entry.find(f"{ATOM}summary")
    assert summary.get("type") == "html" and html.unescape(summary.text) == town_hall.summary
    assert entry.find(f"{ATOM}category").get("term") == "Community & culture"
    assert datetime.datetime.fromisoformat(entry.findtext(f"{ATOM}published")) == datetime.datetime(
        2026, 11, 20, tzinfo=CHICAGO
    )
    assert datetime.datetime.fromisoformat(entry.findtext(f"{ATOM}updated")) == town_hall.last_published_at


def test_feeds_hold_the_newest_twenty(client, tree):
    for day in range(1, 26):
        AnnouncementPageFactory(
            parent=tree["announcements"], title=f"Update {day:02d}", date=datetime.date(2026, 10, day)
        )
    expected = ["Lecture on health equity"] + [f"Update {day:02d}" for day in range(25, 6, -1)]
    assert [item.findtext("title") for item in rss(client).findall("channel/item")] == expected
    assert [entry.findtext(f"{ATOM}title") for entry in atom(client).findall(f"{ATOM}entry")] == expected


def test_feed_ids_survive_a_rename(client, news):
    town_hall = news["town_hall"]
    before = rss(client).find("channel/item/guid").text
    town_hall.title, town_hall.slug = "Town hall (moved online)", "town-hall-online"
    town_hall.save_revision().publish()
    item = rss(client).find("channel/item")
    assert item.findtext("title") == "Town hall (moved online)"
    assert item.findtext("link") == "http://localhost/announcements/town-hall-online/"
    assert item.findtext("guid") == before


def test_empty_feeds_are_still_valid(client, home):
    assert rss(client).find("channel/item") is None
    assert atom(client).find(f"{ATOM}entry") is None
    assert events(ics(client)) == []


# --- iCalendar ----------------------------------------------------------------------


def test_calendar_lists_only_announcements_with_events(client, news):
    body = ics(client)
    lines = unfold(body)
    assert lines[:2] == ["BEGIN:VCALENDAR", "VERSION:2.0"]
    assert lines[-1] == "END:VCALENDAR"
    assert any(line.startswith("PRODID:") for line in lines)
    town_hall = news["town_hall"]
    [event] = events(body)
    assert event["UID"] == f"announcement-{town_hall.pk}@localhost"
    assert event["DTSTART"] == "20261203T173000Z"  # 11:30 in Chicago
    assert event["DTEND"] == "20261203T190000Z"
    assert event["DTSTAMP"] == town_hall.last_published_at.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    assert event["SUMMARY"] == "Town hall: Q&A <live> & open"
    assert event["LOCATION"] == "Room 101\\, Farrell Building\\; east entrance"
    assert event["DESCRIPTION"] == 'Bring questions\\; we\'ll answer "all" of them <b>live</b>.'
    assert event["CATEGORIES"] == "Community & culture"
    assert event["URL"] == "http://localhost/announcements/town-hall-qa-live-open/"


def test_calendar_events_in_start_order_with_optional_end(client, news):
    AnnouncementPageFactory(
        parent=news["announcements"],
        title="Early breakfast",
        event_start=datetime.datetime(2026, 11, 30, 7, 0, tzinfo=CHICAGO),
    )
    found = events(ics(client))
    assert [event["SUMMARY"] for event in found] == ["Early breakfast", "Town hall: Q&A <live> & open"]
    assert "DTEND" not in found[0] and "LOCATION" not in found[0]
    assert found[0]["DTSTART"] == "20261130T130000Z"


def test_calendar_uid_is_stable_per_page(client, news):
    before = events(ics(client))[0]["UID"]
    town_hall = news["town_hall"]
    town_hall.title, town_hall.event_location = "Town hall (moved)", "Online"
    town_hall.save_revision().publish()
    after = events(ics(client))[0]
    assert after["UID"] == before and after["SUMMARY"] == "Town hall (moved)"


def test_calendar_escapes_text_and_folds_long_lines_at_75_octets(client, news):
    town_hall = news["town_hall"]
    town_hall.summary = ("Première réunion, ouverte à tous; venez nombreux 🎓\nSecond line\\end. " * 3).strip()
    town_hall.save_revision().publish()
    body = ics(client)
    for line in body.split(b"\r\n"):
        assert len(line) <= 75, line
        line.decode("utf-8")  # never split inside a character
    description = events(body)[0]["DESCRIPTION"]
    assert description == ical_text(town_hall.summary)
    assert "\\nSecond line\\\\end." in description and "réunion\\, ouverte à tous\\; venez" in description


def test_ical_text_escaping():
    assert ical_text("a,b;c\\d\ne\r\nf\rg") == "a\\,b\\;c\\\\d\\ne\\nf\\ng"
    assert ical_text("bell\x07 tab\t") == "bell tab\t"


def test_fold():
    assert fold("SUMMARY:short") == "SUMMARY:short"
    line = "DESCRIPTION:" + "x" * 200
    parts = fold(line).split("\r\n")
    assert [len(p.encode()) for p in parts] == [75, 75, 64]
    assert all(p.startswith(" ") for p in parts[1:])
    assert "".join(p[1:] if i else p for i, p in enumerate(parts)) == line
    emoji = fold("X:" + "🎓" * 40)  # four octets each
    assert all(len(p.encode()) <= 75 for p in emoji.split("\r\n"))


# --- Discovery ----------------------------------------------------------------------


@pytest.mark.parametrize("key", ["home", "announcements", "announcement", "office"])
def test_every_page_links_the_feeds_from_its_head(client, news, key):
    head = BeautifulSoup(client.get(news[key].url).content, "html.parser").head
    links = {link["type"]: link for link in head.find_all("link", rel="alternate")}
    assert links["application/rss+xml"]["href"] == "/announcements/feed/rss/"
    assert links["application/atom+xml"]["href"] == "/announcements/feed/atom/"
    assert links["text/calendar"]["href"] == "/announcements/events.ics"
    assert links["application/rss+xml"]["title"] == "Diversity, Equity & Inclusion: announcements (RSS)"
    for link in links.values():
        assert client.get(link["href"]).status_code == 200


def test_calendar_is_named_for_the_site(client, news):
    assert "X-WR-CALNAME:Diversity\\, Equity & Inclusion: events" in unfold(ics(client))
    assert re.search(rb'filename="events.ics"', client.get("/announcements/events.ics")["Content-Disposition"].encode())
