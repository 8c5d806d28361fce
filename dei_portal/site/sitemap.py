"""/sitemap.xml: the discoverable pages of the site (dei_portal/core/visibility.py)."""

from django.db.models import Max
from wagtail.contrib.sitemaps import Sitemap

from dei_portal.core.visibility import discoverable


class DiscoverableSitemap(Sitemap):
    """Wagtail's sitemap of discoverable pages (so also without pages past their expiry
    time that the scheduled publishing job has not unpublished yet).

    Generic pages, not specific ones: no page type here changes ``get_sitemap_urls``, and
    Wagtail's specific pages would cost a query per 2,000 pages per type. /sitemap.xml is
    an index of sitemap pages of ``limit`` URLs each (/sitemap-pages.xml?p=N), so no
    response grows with the site.
    """

    limit = 500

    def get_latest_lastmod(self):
        # Django's default reads every page; one aggregate says the same.
        latest = self.items().aggregate(latest=Max("last_published_at"))["latest"]
        return latest

    def items(self):
        root = self.get_wagtail_site().root_page
        return (
            discoverable(root.get_descendants(inclusive=True))
            .order_by("path")
            .only(
                "id",
                "path",
                "depth",
                "url_path",
                "last_published_at",
                "latest_revision_created_at",
                "live",
                "content_type_id",
                "locale_id",
                "translation_key",
                "alias_of_id",
            )
        )
