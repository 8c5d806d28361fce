"""Runs inside Django (BenchSite.prepare calls it with harness.django_call, after
django.setup()): points the site at the bench's address and picks the URLs to measure from the
database, so they follow the data."""

import sqlite3

import django
import gunicorn
import wagtail
from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.db.models import Count
from django.test import RequestFactory
from django.urls import reverse
from wagtail.models import Site

from scripts.benchmark.pages import PAGE_TYPES
from scripts.harness import HOST


def discover(port):
    """Point the site at 127.0.0.1:port and pick the URLs to measure from the database."""
    # By app label and name: the modules that define the models may move, the labels stay.
    AnnouncementCategory = apps.get_model("announcements.AnnouncementCategory")
    AnnouncementIndexPage = apps.get_model("announcements.AnnouncementIndexPage")
    AnnouncementPage = apps.get_model("announcements.AnnouncementPage")
    HomePage = apps.get_model("dei_portal.HomePage")
    StandardPage = apps.get_model("dei_portal.StandardPage")
    StatementIndexPage = apps.get_model("dei_portal.StatementIndexPage")
    StatementPage = apps.get_model("dei_portal.StatementPage")
    OfficeIndexPage = apps.get_model("offices.OfficeIndexPage")
    OfficePage = apps.get_model("offices.OfficePage")
    OrganizationIndexPage = apps.get_model("offices.OrganizationIndexPage")
    OrganizationPage = apps.get_model("offices.OrganizationPage")

    # Absolute URLs (canonical, feeds, sitemap) name the address the bench serves on.
    Site.objects.filter(is_default_site=True).update(hostname=HOST, port=port)
    site = Site.objects.get(is_default_site=True)

    def pages(model):
        return model.objects.live().public().order_by("path")

    def middle(model):
        """The middle page of its type in tree order: a typical one, at any scale."""
        queryset = pages(model)
        count = queryset.count()
        return (queryset[count // 2] if count else None), count

    def spread(model, limit):
        """Up to `limit` pages of a type, spread evenly over all of them (for the long run)."""
        queryset = pages(model)
        count = queryset.count()
        step = max(1, count // limit)
        return [page.relative_url(site) for page in queryset[::step][:limit]] if count else []

    urls, counts, notes = {}, {}, []
    home = HomePage.objects.live().first()
    urls["home"] = home.relative_url(site) if home else "/"
    for key, model in [
        ("office", OfficePage),
        ("organization", OrganizationPage),
        ("statement", StatementPage),
        ("announcement", AnnouncementPage),
        ("standard", StandardPage),
    ]:
        page, counts[key] = middle(model)
        if page is None:
            notes.append(f"no live {model._meta.verbose_name}: not measured")
        else:
            urls[key] = page.relative_url(site)
    for key, model in [
        ("offices", OfficeIndexPage),
        ("organizations", OrganizationIndexPage),
        ("statements", StatementIndexPage),
        ("announcements", AnnouncementIndexPage),
    ]:
        index = pages(model).first()
        if index is None:
            notes.append(f"no live {model._meta.verbose_name}: not measured")
        else:
            urls[key] = index.relative_url(site)

    listing_pages = 1
    if "announcements" in urls:
        index = pages(AnnouncementIndexPage).first().specific
        request = RequestFactory().get(urls["announcements"], SERVER_NAME=HOST, SERVER_PORT=str(port))
        try:
            request.user = AnonymousUser()
            context = index.get_context(request)
            listing_pages = next(value.paginator.num_pages for value in context.values() if hasattr(value, "paginator"))
        except Exception as error:  # the listing changed shape: estimate from the count
            per_page = getattr(index, "per_page", 10) or 10
            listing_pages = max(1, -(-AnnouncementPage.objects.child_of(index).live().count() // per_page))
            notes.append(f"announcement pages estimated from the count ({error.__class__.__name__})")
        urls["announcements_deep"] = f"{urls['announcements']}?page={max(1, (listing_pages + 1) // 2)}"
        busiest = (
            AnnouncementPage.objects.live()
            .public()
            .exclude(category=None)
            .values("category__slug")
            .annotate(live_count=Count("pk"))
            .order_by("-live_count", "category__slug")
            .first()
        )
        if busiest is not None:
            urls["announcements_category"] = f"{urls['announcements']}?category={busiest['category__slug']}"
    urls["search"] = reverse("search") + "?query=office"
    urls["rss"] = reverse("announcements_rss")
    urls["atom"] = reverse("announcements_atom")
    urls["ics"] = reverse("announcements_ics")
    urls["sitemap"] = "/sitemap-pages.xml?p=2"  # a full sitemap page (500 URLs); /sitemap.xml is the index
    urls["floor"] = "/robots.txt"

    mix = [urls[key] for key, _, _ in PAGE_TYPES if key in urls]
    for model in (OfficePage, OrganizationPage, StatementPage, AnnouncementPage, StandardPage):
        mix += spread(model, 25)
    if "announcements" in urls:
        step = max(1, listing_pages // 25)
        mix += [f"{urls['announcements']}?page={number}" for number in range(1, listing_pages + 1, step)]
        mix += [f"{urls['announcements']}?category={c.slug}" for c in AnnouncementCategory.objects.all()]
    mix += [reverse("search") + f"?query={word}" for word in ("office", "students", "faculty", "heritage")]

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            db_version = "PostgreSQL " + cursor.fetchone()[0]
    elif connection.vendor == "sqlite":
        db_version = "SQLite " + sqlite3.sqlite_version
    else:
        db_version = connection.vendor

    return {
        "urls": urls,
        "mix": mix,
        "counts": counts | {"announcement_listing_pages": listing_pages},
        "notes": notes,
        "db_vendor": connection.vendor,
        "db_version": db_version,
        "db_conn_max_age": settings.DATABASES["default"].get("CONN_MAX_AGE"),
        "caches": {alias: config.get("BACKEND") for alias, config in settings.CACHES.items()},
        "cache_middleware": [entry for entry in settings.MIDDLEWARE if "cache" in entry.lower()],
        "cache_settings": {
            name: getattr(settings, name)
            for name in ("FRAGMENT_CACHE", "PAGE_CACHE_SECONDS", "CDN_MAX_AGE")
            if hasattr(settings, name)
        },
        "django": django.get_version(),
        "wagtail": wagtail.__version__,
        "gunicorn": gunicorn.__version__,
    }
