"""Announcement feeds: RSS and Atom (Django's syndication framework) and an iCalendar file of events.

Each lists only what the announcements page lists: live, public announcements that
have not passed their expiry time (``dei_portal.core.visibility.discoverable``), on the site the
request is for.
"""

import datetime

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import HttpResponse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape
from wagtail.models import Site

from dei_portal.core.visibility import discoverable

from .models import AnnouncementIndexPage, AnnouncementPage

FEED_LENGTH = 20
CALENDAR_LENGTH = 50  # events in the calendar file, at most (the latest by start time)


def current_site(request):
    return Site.find_for_request(request) or Site.objects.select_related("root_page").get(is_default_site=True)


def site_name(site):
    return site.site_name or settings.WAGTAIL_SITE_NAME


def announcements_for(site):
    return (
        discoverable(AnnouncementPage.objects.descendant_of(site.root_page, inclusive=True))
        .select_related("category")
        .defer_streamfields()
    )


def stable_id(page, site):
    """An identifier that stays the same when the page is renamed or moved (RFC 4151 tag URI)."""
    year = page.first_published_at.year if page.first_published_at else page.date.year
    return f"tag:{site.hostname},{year}:announcement-{page.pk}"


def published(page):
    """When an announcement was published: its date, at the time it first went live when that
    was the same day, otherwise at the start of that day (in the site's time zone)."""
    first = page.first_published_at
    if first and timezone.localdate(first) == page.date:
        return first
    return timezone.make_aware(datetime.datetime.combine(page.date, datetime.time()))


class AnnouncementsRssFeed(Feed):
    """The newest announcements, newest first, as RSS 2.0.

    Item methods need the request and site, so each request gets its own instance
    (see ``rss_feed``/``atom_feed``); never share one between threads.
    """

    def get_object(self, request):
        self.request = request
        self.site = current_site(request)
        return self.site

    def title(self, site):
        return f"{site_name(site)}: announcements"

    def link(self, site):
        index = AnnouncementIndexPage.objects.descendant_of(site.root_page).live().public().first()
        return (index or site.root_page).get_full_url(self.request)

    def description(self, site):
        return f"Announcements and events from {site_name(site)}."

    def feed_url(self, site):
        return self.request.build_absolute_uri(self.request.path)

    def items(self, site):
        return announcements_for(site).order_by("-date", "-first_published_at", "-pk")[:FEED_LENGTH]

    def item_title(self, item):
        return item.title  # plain text; the feed generator escapes it for XML

    def item_description(self, item):
        # RSS descriptions and Atom summaries (type="html") are HTML: the summary is plain text.
        return escape(item.summary or item.search_description)

    def item_link(self, item):
        return item.get_full_url(self.request)

    def item_guid(self, item):
        return stable_id(item, self.site)

    item_guid_is_permalink = False

    def item_pubdate(self, item):
        return published(item)

    def item_updateddate(self, item):
        return item.last_published_at or published(item)

    def item_categories(self, item):
        return [item.category.name] if item.category else []


class AnnouncementsAtomFeed(AnnouncementsRssFeed):
    """The same announcements as Atom 1.0."""

    feed_type = Atom1Feed

    def subtitle(self, site):
        return self.description(site)


def rss_feed(request):
    return AnnouncementsRssFeed()(request)


def atom_feed(request):
    return AnnouncementsAtomFeed()(request)


# --- iCalendar (RFC 5545), written by hand -------------------------------------------


def ical_text(value):
    """Escape a TEXT value: backslash, semicolon, comma and line breaks (RFC 5545 §3.3.11)."""
    value = str(value).replace("\r\n", "\n").replace("\r", "\n")
    value = "".join(ch for ch in value if ch in "\n\t" or ord(ch) >= 32 and ord(ch) != 127)
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def ical_datetime(value):
    return value.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")


def fold(line):
    """Fold a content line into lines of at most 75 octets (RFC 5545 §3.1), never inside a
    UTF-8 character; continuation lines start with one space."""
    parts = []
    current, size = "", 0
    for ch in line:
        width = len(ch.encode("utf-8"))
        limit = 75 if not parts else 74  # a continuation line's leading space counts
        if size + width > limit:
            parts.append(current)
            current, size = "", 0
        current += ch
        size += width
    parts.append(current)
    return "\r\n ".join(parts)


def calendar_lines(site, request, events):
    name = ical_text(f"{site_name(site)}: events")
    yield "BEGIN:VCALENDAR"
    yield "VERSION:2.0"
    yield "PRODID:-//Office of Diversity, Equity & Inclusion//DEI portal//EN"
    yield "CALSCALE:GREGORIAN"
    yield "METHOD:PUBLISH"
    yield f"X-WR-CALNAME:{name}"
    for page in events:
        stamp = page.last_published_at or page.first_published_at or timezone.now()
        yield "BEGIN:VEVENT"
        yield f"UID:announcement-{page.pk}@{site.hostname}"
        yield f"DTSTAMP:{ical_datetime(stamp)}"
        yield f"LAST-MODIFIED:{ical_datetime(stamp)}"
        yield f"DTSTART:{ical_datetime(page.event_start)}"
        if page.event_end and page.event_end >= page.event_start:
            yield f"DTEND:{ical_datetime(page.event_end)}"
        yield f"SUMMARY:{ical_text(page.title)}"
        if page.event_location:
            yield f"LOCATION:{ical_text(page.event_location)}"
        description = page.summary or page.search_description
        if description:
            yield f"DESCRIPTION:{ical_text(description)}"
        if page.category:
            yield f"CATEGORIES:{ical_text(page.category.name)}"
        yield f"URL:{page.get_full_url(request)}"
        yield "END:VEVENT"
    yield "END:VCALENDAR"


def events_ics(request):
    """Every announced event (an announcement with a start time) as an iCalendar file."""
    site = current_site(request)
    latest = announcements_for(site).filter(event_start__isnull=False).order_by("-event_start", "-pk")
    events = sorted(latest[:CALENDAR_LENGTH], key=lambda page: (page.event_start, page.pk))
    body = "".join(fold(line) + "\r\n" for line in calendar_lines(site, request, events))
    response = HttpResponse(body.encode("utf-8"), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="events.ics"'
    return response
