"""The offices network and the student- and trainee-run organizations."""

from itertools import groupby

from django.db import models
from django.db.models import Count, F, Window
from django.db.models.functions import RowNumber
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable
from wagtail.search import index

from dei_portal.core.blocks import PARAGRAPH_FEATURES, BodyStreamBlock
from dei_portal.core.listing import paginate, with_card_images
from dei_portal.core.models import BasePage, base_promote_panels
from dei_portal.core.visibility import discoverable


class Audience(Orderable):
    """Who an office or organization is for (an editable taxonomy, ordered by editors)."""

    name = models.CharField(max_length=100, unique=True, help_text="Short name, e.g. 'International students'.")
    heading = models.CharField(
        max_length=150,
        help_text="The group heading on the home page, e.g. 'For international students'.",
    )

    panels = [FieldPanel("name"), FieldPanel("heading")]

    # Audience headings group the offices on the home page and in the listings (the cache
    # invalidation in dei_portal/core/signals.py listens for this).
    changes_public_site = True

    class Meta(Orderable.Meta):
        verbose_name = "audience"

    def __str__(self):
        return self.name


def first_of_each_audience(queryset, per_audience, *related):
    """Up to ``per_audience`` pages of each audience, in one query, each marked with
    ``in_audience`` (how many its audience has in all)."""
    by_audience = {"partition_by": F("audience_id")}
    return list(
        queryset.annotate(
            rank=Window(RowNumber(), order_by=F("path").asc(), **by_audience),
            in_audience=Window(Count("pk"), **by_audience),
        )
        .filter(rank__lte=per_audience)
        .defer_streamfields()
        .select_related("audience", *related)
        .order_by("audience__sort_order", "audience__name", "path")
    )


def group_by_audience(pages):
    """[(audience, [pages…]), …] in the audience order editors set."""
    return [(audience, list(items)) for audience, items in groupby(pages, key=lambda p: p.audience)]


class _AudienceListingPage(BasePage):
    """An index page listing its live children grouped by audience."""

    intro = RichTextField(blank=True, features=PARAGRAPH_FEATURES, help_text="Shown above the list.")
    content_panels = BasePage.content_panels + [FieldPanel("intro")]
    max_count_per_parent = 1
    child_model = None
    empty_text = ""

    class Meta:
        abstract = True

    per_page = 24
    # The home page shows at most this many pages of each audience, so it stays the same size
    # however many there are; the listing itself shows them all.
    per_audience_on_home = 6
    home_select_related = ()  # related rows the home page's cards show

    @classmethod
    def home_section(cls, home):
        """What the home page lists of this index's pages below ``home``: (groups, more), the
        first ``per_audience_on_home`` of each audience as [(audience, [pages…]), …], and
        whether any audience has more (the home page then links to the listing)."""
        pages = first_of_each_audience(
            discoverable(cls.child_model.objects.descendant_of(home)),
            cls.per_audience_on_home,
            *cls.home_select_related,
        )
        return group_by_audience(pages), any(page.in_audience > cls.per_audience_on_home for page in pages)

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        children = with_card_images(
            discoverable(self.child_model.objects.child_of(self))
            .select_related("audience")
            .defer_streamfields()
            .order_by("audience__sort_order", "audience__name", "path")
        )
        items = paginate(request, children, self.per_page, memo_key=(self.pk,))
        context["items_page"] = items
        context["groups"] = group_by_audience(items.object_list)
        return context


class _AudiencePage(BasePage):
    """Shared fields of offices and organizations: who it is for and where it lives online."""

    def get_parent_url(self):
        """The listing this page sits in (its parent's address), worked out without a query."""
        url = self.url
        return url[: -len(self.slug) - 1] if url and url.endswith(f"/{self.slug}/") else url

    audience = models.ForeignKey(
        Audience,
        null=True,  # a draft may be saved before an audience is chosen
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Who it is for; the home page groups it under this audience's heading.",
    )
    website = models.URLField(
        "website URL", max_length=300, help_text="Its own website (https://…); linked from its card on the home page."
    )
    body = StreamField(BodyStreamBlock(), blank=True, help_text="More about it, shown on its own page.")

    promote_panels = base_promote_panels(with_summary=False)  # the summary is on the Content tab
    search_fields = BasePage.search_fields + [index.SearchField("body")]
    subpage_types = []

    class Meta:
        abstract = True


class OfficePage(_AudiencePage):
    serve_select_related = ("audience", "logo", "listing_image", "share_image")

    contact_email = models.EmailField(blank=True, help_text="Optional: shown on the office's page.")
    phone = models.CharField(max_length=40, blank=True, help_text="Optional: shown on the office's page.")
    location = models.CharField(
        max_length=200, blank=True, help_text="Optional: building and room, shown on the office's page."
    )
    logo = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Optional logo or image shown on the office's page and home-page card.",
    )

    content_panels = BasePage.content_panels + [
        FieldPanel("audience"),
        FieldPanel("summary", heading="Summary", help_text="Shown on the office's card on the home page."),
        FieldPanel("website"),
        FieldPanel("body"),
        MultiFieldPanel(
            [FieldPanel("contact_email"), FieldPanel("phone"), FieldPanel("location"), FieldPanel("logo")],
            heading="Contact and logo",
        ),
    ]
    parent_page_types = ["offices.OfficeIndexPage"]
    search_label = "Office"

    class Meta:
        verbose_name = "office page"


class OfficeIndexPage(_AudienceListingPage):
    empty_text = "No offices have been published yet."
    template = "offices/audience_index_page.html"  # shared with the organization index
    child_model = OfficePage
    home_select_related = ("logo",)
    parent_page_types = ["dei_portal.HomePage"]
    subpage_types = ["offices.OfficePage"]

    class Meta:
        verbose_name = "office index page"


class OrganizationPage(_AudiencePage):
    serve_select_related = ("audience", "related_office", "listing_image", "share_image")

    related_office = models.ForeignKey(
        OfficePage,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Optional: the office this organization works with; linked from its page.",
    )

    content_panels = BasePage.content_panels + [
        FieldPanel("audience", heading="Who it is for"),
        FieldPanel("summary", heading="Summary", help_text="Shown on the organization's card on the home page."),
        FieldPanel("website"),
        FieldPanel("body"),
        FieldPanel("related_office"),
    ]
    parent_page_types = ["offices.OrganizationIndexPage"]
    search_label = "Organization"

    class Meta:
        verbose_name = "organization page"


class OrganizationIndexPage(_AudienceListingPage):
    empty_text = "No organizations have been published yet."
    template = "offices/audience_index_page.html"
    child_model = OrganizationPage
    parent_page_types = ["dei_portal.HomePage"]
    subpage_types = ["offices.OrganizationPage"]

    class Meta:
        verbose_name = "organization index page"
