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

import icalendar
import pytest
from bs4 import BeautifulSoup
from django.utils import timezone
from wagtail.models import PageViewRestriction

from tests.factories.announcements import AnnouncementCategoryFactory, AnnouncementPageFactory

CHICAGO = zoneinfo.ZoneInfo("America/Chicago")  # the site's TIME_ZONE
UTC = datetime.UTC
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


def calendar(body):
    """The file parsed back by the icalendar library, after the checks a strict reader makes of
    the bytes themselves (CRLF line ends, lines of at most 75 octets, each valid UTF-8 alone)."""
    assert body.endswith(b"\r\n")
    for line in body.split(b"\r\n")[:-1]:
        assert b"\r" not in line and b"\n" not in line, "every line ends with CRLF"
        assert len(line) <= 75, line
        line.decode("utf-8")  # never folded inside a character
    return icalendar.Calendar.from_ical(body)


def events(client):
    return calendar(ics(client)).events


def content_lines(body):
    """The unfolded lines as written, escapes and all."""
    return body.decode("utf-8").replace("\r\n ", "").split("\r\n")[:-1]


def event_factory(parent, title, start, end=None, **kwargs):
    """A published announcement of an event."""
    page = AnnouncementPageFactory(parent=parent, title=title, event_start=start, event_end=end, **kwargs)
    page.save_revision().publish()
    return page


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
    assert events(client) == []


# --- iCalendar ----------------------------------------------------------------------


def instant(value):
    """The moment a time names (comparing times in one zone ignores `fold`, so compare in UTC)."""
    return value.astimezone(UTC)


def wall_clock(value):
    return value.replace(tzinfo=None, fold=0)


def test_calendar_lists_only_announcements_with_events(client, news):
    cal = calendar(ics(client))
    assert cal["VERSION"] == "2.0"
    assert cal["PRODID"] == "-//Office of Diversity, Equity & Inclusion//DEI portal//EN"
    assert cal["CALSCALE"] == "GREGORIAN" and cal["METHOD"] == "PUBLISH"
    town_hall = news["town_hall"]
    [event] = cal.events
    assert event["UID"] == f"announcement-{town_hall.pk}@localhost"
    assert instant(event.decoded("DTSTART")) == datetime.datetime(2026, 12, 3, 17, 30, tzinfo=UTC)  # 11:30 CST
    assert instant(event.decoded("DTEND")) == datetime.datetime(2026, 12, 3, 19, 0, tzinfo=UTC)
    stamp = town_hall.last_published_at.replace(microsecond=0)
    assert event.decoded("DTSTAMP") == stamp and event.decoded("DTSTAMP").utcoffset() == datetime.timedelta(0)
    assert event.decoded("LAST-MODIFIED") == stamp
    assert event["SUMMARY"] == "Town hall: Q&A <live> & open"
    assert event["LOCATION"] == "Room 101, Farrell Building; east entrance"
    assert event["DESCRIPTION"] == town_hall.summary
    assert [str(name) for name in event.categories] == ["Community & culture"]
    assert event["URL"] == "http://localhost/announcements/town-hall-qa-live-open/"


def test_calendar_events_in_start_order_with_optional_end(client, news):
    breakfast = event_factory(
        news["announcements"], "Early breakfast", datetime.datetime(2026, 11, 30, 7, 0, tzinfo=CHICAGO)
    )
    moment = datetime.datetime(2026, 12, 10, 9, 0, tzinfo=CHICAGO)
    event_factory(news["announcements"], "Moment of silence", moment, moment)  # ends as it starts
    found = events(client)
    assert [event["SUMMARY"] for event in found] == [
        "Early breakfast",
        "Town hall: Q&A <live> & open",
        "Moment of silence",
    ]
    assert "DTEND" not in found[0] and "LOCATION" not in found[0]
    assert instant(found[0].decoded("DTSTART")) == instant(breakfast.event_start)
    # RFC 5545 §3.6.1: DTEND must be later than DTSTART; without one the event ends as it starts.
    assert "DTEND" not in found[2]


def test_calendar_uid_and_bytes_are_stable(client, news):
    body = ics(client)
    assert ics(client) == body  # no per-request UIDs or stamps: the cached file is the file
    before = calendar(body).events[0]["UID"]
    town_hall = news["town_hall"]
    town_hall.title, town_hall.event_location = "Town hall (moved)", "Online"
    town_hall.save_revision().publish()
    after = events(client)[0]
    assert after["UID"] == before and after["SUMMARY"] == "Town hall (moved)"


TRICKY_TITLE = "Panel, part 2; C:\\Users\\dei\nand a second line"
TRICKY_LOCATION = "Hall A, room 3; \\\\share\\events\nback door"
TRICKY_SUMMARY = 'Tab\there, "quotes", <b>tags</b>; a\\nb is not a newline\nbut this is'


def test_calendar_text_round_trips_exactly(client, tree):
    event_factory(
        tree["announcements"],
        TRICKY_TITLE,
        datetime.datetime(2026, 12, 1, 12, 0, tzinfo=CHICAGO),
        event_location=TRICKY_LOCATION,
        summary=TRICKY_SUMMARY,
    )
    body = ics(client)
    [event] = calendar(body).events
    assert event["SUMMARY"] == TRICKY_TITLE
    assert event["LOCATION"] == TRICKY_LOCATION
    assert event["DESCRIPTION"] == TRICKY_SUMMARY
    # Escaped on the wire (RFC 5545 §3.3.11), not just read back by a lenient parser.
    lines = content_lines(body)
    assert "SUMMARY:Panel\\, part 2\\; C:\\\\Users\\\\dei\\nand a second line" in lines
    assert "LOCATION:Hall A\\, room 3\\; \\\\\\\\share\\\\events\\nback door" in lines


def test_calendar_drops_control_characters(client, tree):
    event_factory(
        tree["announcements"],
        "Vertical\x0btab, bell\x07 and escape\x1b",
        datetime.datetime(2026, 12, 1, 12, 0, tzinfo=CHICAGO),
        summary="Pasted\x0cfrom a word processor\x7f.",
    )
    body = ics(client)
    assert not any(ch in body for ch in b"\x07\x0b\x0c\x1b\x7f")
    [event] = calendar(body).events
    assert event["SUMMARY"] == "Verticaltab, bell and escape"
    assert event["DESCRIPTION"] == "Pastedfrom a word processor."


def test_calendar_folds_long_multibyte_lines_at_75_octets(client, tree):
    title = ("Première réunion — 多様性と包摂 🎓" * 10)[:255]
    summary = "\n".join(["Première réunion, ouverte à tous; venez nombreux 🎓 — 多様性と包摂の集い"] * 6)
    event_factory(tree["announcements"], title, datetime.datetime(2026, 12, 1, 12, 0, tzinfo=CHICAGO), summary=summary)
    body = ics(client)  # calendar() checks every physical line: at most 75 octets, whole characters
    [event] = calendar(body).events
    assert event["SUMMARY"] == title
    assert event["DESCRIPTION"] == summary
    assert sum(line.startswith(b" ") for line in body.split(b"\r\n")) > 10  # it really folded


def test_calendar_times_are_on_the_sites_clock_and_keep_their_instant(client, tree):
    announcements = tree["announcements"]
    pages = [
        event_factory(
            announcements,
            "Winter lecture",
            datetime.datetime(2026, 12, 3, 11, 30, tzinfo=CHICAGO),
            datetime.datetime(2026, 12, 3, 13, 0, tzinfo=CHICAGO),
        ),
        event_factory(announcements, "Summer picnic", datetime.datetime(2027, 7, 1, 12, 0, tzinfo=CHICAGO)),
        # Clocks go back at 02:00 CDT on 1 November 2026: 4 hours on the wall, 5 hours long.
        event_factory(
            announcements,
            "Overnight vigil",
            datetime.datetime(2026, 10, 31, 22, 0, tzinfo=CHICAGO),
            datetime.datetime(2026, 11, 1, 2, 0, tzinfo=CHICAGO),
        ),
        # Clocks go forward at 02:00 CST on 14 March 2027: 5 hours on the wall, 4 hours long.
        event_factory(
            announcements,
            "Night shift",
            datetime.datetime(2027, 3, 13, 23, 0, tzinfo=CHICAGO),
            datetime.datetime(2027, 3, 14, 4, 0, tzinfo=CHICAGO),
        ),
    ]
    body = ics(client)
    cal = calendar(body)
    found = {str(event["SUMMARY"]): event for event in cal.events}
    for page in pages:
        event = found[page.title]
        for name, value in (("DTSTART", page.event_start), ("DTEND", page.event_end)):
            if value is None:
                assert name not in event
                continue
            assert event[name].params["TZID"] == "America/Chicago"
            assert instant(event.decoded(name)) == instant(value), (page.title, name)
            assert wall_clock(event.decoded(name)) == wall_clock(value)  # as the editor entered it

    def elapsed(event):
        return instant(event.decoded("DTEND")) - instant(event.decoded("DTSTART"))

    assert elapsed(found["Overnight vigil"]) == datetime.timedelta(hours=5)
    assert elapsed(found["Night shift"]) == datetime.timedelta(hours=4)

    # The file defines the zone it names, so a reader that knows no zone names (or other ones)
    # gets the same instants from the VTIMEZONE alone.
    [vtimezone] = cal.timezones
    assert vtimezone.tz_name == "America/Chicago" and cal.get_missing_tzids() == set()
    renamed = calendar(body.replace(b"America/Chicago", b"Campus time"))
    for event in renamed.events:
        assert event["DTSTART"].params["TZID"] == "Campus time"
        original = found[str(event["SUMMARY"])]
        assert instant(event.decoded("DTSTART")) == instant(original.decoded("DTSTART"))
        if "DTEND" in original:
            assert instant(event.decoded("DTEND")) == instant(original.decoded("DTEND"))


def test_calendar_event_in_the_repeated_hour_keeps_its_instant(client, tree):
    """01:30 happens twice on 1 November 2026; a local time names the first (RFC 5545 §3.3.5)."""
    first = datetime.datetime(2026, 11, 1, 1, 30, tzinfo=CHICAGO)  # CDT, 06:30 UTC
    second = datetime.datetime(2026, 11, 1, 1, 30, fold=1, tzinfo=CHICAGO)  # CST, 07:30 UTC
    event_factory(tree["announcements"], "First pass", first)
    event_factory(tree["announcements"], "Second pass", second)
    found = {str(event["SUMMARY"]): event for event in events(client)}
    assert instant(found["First pass"].decoded("DTSTART")) == datetime.datetime(2026, 11, 1, 6, 30, tzinfo=UTC)
    assert instant(found["Second pass"].decoded("DTSTART")) == datetime.datetime(2026, 11, 1, 7, 30, tzinfo=UTC)


def test_calendar_leaves_out_what_the_site_does_not_show(client, tree):
    announcements = tree["announcements"]
    start = datetime.datetime(2026, 12, 1, 12, 0, tzinfo=CHICAGO)
    shown = event_factory(announcements, "Shown", start)  # the positive control
    shown.title = "Shown with unpublished edits"
    shown.save_revision()
    draft = AnnouncementPageFactory(parent=announcements, title="Draft", live=False, event_start=start)
    draft.save_revision()
    event_factory(announcements, "Withdrawn", start).unpublish()
    private = event_factory(announcements, "Private", start)
    PageViewRestriction.objects.create(page=private, restriction_type=PageViewRestriction.LOGIN)
    members = event_factory(announcements, "Password", start)
    PageViewRestriction.objects.create(
        page=members, restriction_type=PageViewRestriction.PASSWORD, password="letmein-please"
    )
    expired = event_factory(announcements, "Expired", start)
    type(expired).objects.filter(pk=expired.pk).update(expire_at=timezone.now() - datetime.timedelta(minutes=5))
    assert [event["SUMMARY"] for event in events(client)] == ["Shown"]


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
    body = ics(client)
    # An X- property's value is TEXT (RFC 5545 §3.8.8.2), escaped; icalendar's Calendar keeps
    # unknown properties as written, so read this one as a content line.
    [line] = [line for line in content_lines(body) if line.startswith("X-WR-CALNAME:")]
    assert icalendar.parser.Contentline(line).parts()[2] == "Diversity, Equity & Inclusion: events"
    assert "X-WR-CALNAME:Diversity\\, Equity & Inclusion: events" in content_lines(body)
    assert re.search(rb'filename="events.ics"', client.get("/announcements/events.ics")["Content-Disposition"].encode())
