"""The site's URLs (ROOT_URLCONF): the admin, two-factor, documents, sitemap, search, feeds,
health checks, then Wagtail's pages."""

from django.conf import settings
from django.conf.urls.static import static
from django.contrib.staticfiles.urls import staticfiles_urlpatterns
from django.urls import include, path
from django.views.generic import TemplateView
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.contrib.sitemaps.views import index as sitemap_index
from wagtail.contrib.sitemaps.views import sitemap
from wagtail.documents import urls as wagtaildocs_urls

from announcements import feeds
from dei_portal.accounts import two_factor
from dei_portal.operations import health
from dei_portal.site import search
from dei_portal.site.sitemap import DiscoverableSitemap

SITEMAPS = {"pages": DiscoverableSitemap}

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),  # load balancers; never cached (dei_portal/operations/health.py)
    # Two-factor setup and verification for the admin (before the admin itself).
    path("admin-2fa/", include(two_factor.urls)),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    # An index of sitemap pages (500 URLs each), so no sitemap response grows with the site.
    path("sitemap.xml", sitemap_index, {"sitemaps": SITEMAPS, "sitemap_url_name": "sitemap-section"}),
    path("sitemap-<section>.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap-section"),
    path("robots.txt", TemplateView.as_view(template_name="robots.txt", content_type="text/plain; charset=utf-8")),
    path("search/", search.search, name="search"),
    # Feeds of the announcements; before Wagtail's catch-all, which serves /announcements/ itself.
    path("announcements/feed/rss/", feeds.rss_feed, name="announcements_rss"),
    path("announcements/feed/atom/", feeds.atom_feed, name="announcements_atom"),
    path("announcements/events.ics", feeds.events_ics, name="announcements_ics"),
]

if settings.DEBUG:
    urlpatterns += staticfiles_urlpatterns()
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

urlpatterns += [path("", include(wagtail_urls))]
