"""The base page every page type shares (abstract: it has no table of its own)."""

from django.db import models
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.models import Page, PageViewRestriction
from wagtail.search import index


def base_promote_panels(with_summary=True):
    """The Promote tab. Page types that show the summary on the Content tab leave it out here."""
    listing = [FieldPanel("summary")] if with_summary else []
    return [
        MultiFieldPanel(
            [
                FieldPanel("slug"),
                FieldPanel(
                    "seo_title", help_text="The browser tab and search-result title. Blank uses the page title."
                ),
                FieldPanel(
                    "search_description",
                    help_text="The meta description search engines show. Blank uses the summary.",
                ),
                FieldPanel("share_image"),
            ],
            heading="Search engines and sharing",
        ),
        MultiFieldPanel(listing + [FieldPanel("listing_image")], heading="Listings"),
        MultiFieldPanel([FieldPanel("show_in_menus")], heading="Menus"),
    ]


class BasePage(Page):
    """The small base every page type shares: social sharing and listing fields.

    Wagtail's own ``seo_title`` (the title tag) and ``search_description`` (the meta
    description) sit beside them on the Promote tab.
    """

    summary = models.TextField(
        blank=True,
        max_length=300,
        help_text="One or two sentences shown on cards that link to this page, and used as the "
        "meta description when that is blank.",
    )
    listing_image = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Shown on cards that link to this page. Give the image a description (alt text).",
    )
    share_image = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Shown when this page is shared on social media (1200×630 works best). "
        "Falls back to the listing image.",
    )

    promote_panels = base_promote_panels()

    # The label site search shows on this type's results (dei_portal/site/search.py).
    search_label = "Page"

    search_fields = Page.search_fields + [index.SearchField("summary")]

    class Meta:
        abstract = True

    @property
    def meta_description(self):
        return self.search_description or self.summary

    @property
    def social_image(self):
        return self.share_image or self.listing_image

    # Related rows the page's own template needs, fetched with the page when it is served
    # (dei_portal/core/routing.py): joined, and (many per page) prefetched.
    serve_select_related = ("listing_image", "share_image")
    serve_prefetch_related = ()

    def get_breadcrumbs(self):
        """Live ancestors below the tree root, home first (known from routing, else one query)."""
        chain = getattr(self, "_route_chain", None)
        if chain is not None:
            return [page for page in chain if page.depth > 1 and page.depth < self.depth and page.live]
        return self.get_ancestors().filter(depth__gt=1).live().specific(defer=True)

    @property
    def view_restricted(self):
        """Whether this page or an ancestor may have a view restriction (True when unknown).

        Known without a query for pages served through ``RouteInOneQueryMixin.route`` (the
        home page's); the page cache never stores a page for which this is True.
        """
        chain = getattr(self, "_route_chain", None)
        if chain is None:
            return True
        return any(page.restricted or page.alias_of_id for page in chain)

    def get_view_restrictions(self):
        # Routing already knows that nothing on the way here is restricted (or an alias):
        # skip Wagtail's two queries. Otherwise Wagtail's own check runs in full.
        if not self.view_restricted:
            return PageViewRestriction.objects.none()
        return super().get_view_restrictions()
