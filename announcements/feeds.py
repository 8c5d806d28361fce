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
from icalendar import Calendar, Event, vText
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


# --- iCalendar (RFC 5545), written by the icalendar library ---------------------------

PRODID = "-//Office of Diversity, Equity & Inclusion//DEI portal//EN"


def plain(value):
    """Text without control characters (RFC 5545 TEXT allows none but tab and line breaks;
    text pasted from word processors can carry vertical tabs and the like)."""
    return "".join(ch for ch in str(value) if ch in "\t\n\r" or ord(ch) >= 32 and ord(ch) != 127)


def event_time(value):
    """An event time on the site's wall clock (TZID of the site's zone, defined by the calendar's
    VTIMEZONE), as editors enter it. The one exception is the repeated hour when clocks go back:
    a local time there names its first pass (RFC 5545 §3.3.5), so the second pass is written in UTC."""
    local = timezone.localtime(value, timezone.get_default_timezone())
    return value.astimezone(datetime.UTC) if local.fold else local


def calendar_event(page, site, request):
    stamp = (page.last_published_at or page.first_published_at or timezone.now()).astimezone(datetime.UTC)
    event = Event()
    event.add("uid", f"announcement-{page.pk}@{site.hostname}")
    event.add("dtstamp", stamp)
    event.add("last-modified", stamp)
    event.add("dtstart", event_time(page.event_start))
    if page.event_end and page.event_end > page.event_start:
        event.add("dtend", event_time(page.event_end))
    event.add("summary", plain(page.title))
    if page.event_location:
        event.add("location", plain(page.event_location))
    description = page.summary or page.search_description
    if description:
        event.add("description", plain(description))
    if page.category:
        event.add("categories", [plain(page.category.name)])
    event.add("url", page.get_full_url(request))
    return event


def build_calendar(site, request, events):
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    # An X- property's value is TEXT (RFC 5545 §3.8.8.2), escaped like any other; icalendar
    # writes unknown properties as they come unless given the type.
    calendar.add("x-wr-calname", vText(plain(f"{site_name(site)}: events")))
    for page in events:
        calendar.add_component(calendar_event(page, site, request))
    if events:
        # The site's zone from January of the first event's year to the end of the last one's:
        # every time in the file, and the same definition for the same events.
        zone = timezone.get_default_timezone()
        years = [timezone.localtime(t, zone).year for page in events for t in (page.event_start, page.event_end) if t]
        calendar.add_missing_timezones(
            first_date=datetime.date(min(years), 1, 1), last_date=datetime.date(max(years) + 1, 1, 1)
        )
    return calendar


def events_ics(request):
    """Every announced event (an announcement with a start time) as an iCalendar file."""
    site = current_site(request)
    latest = announcements_for(site).filter(event_start__isnull=False).order_by("-event_start", "-pk")
    events = sorted(latest[:CALENDAR_LENGTH], key=lambda page: (page.event_start, page.pk))
    body = build_calendar(site, request, events).to_ical()
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="events.ics"'
    return response
