"""The offices network and the student- and trainee-run organizations."""

from django.db import models
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable
from wagtail.search import index

from dei_portal.blocks import PARAGRAPH_FEATURES, BodyStreamBlock
from dei_portal.models import BasePage, base_promote_panels, group_by_audience
from dei_portal.listing import paginate, with_card_images
from dei_portal.search import discoverable


class Audience(Orderable):
    """Who an office or organization is for (an editable taxonomy, ordered by editors)."""

    name = models.CharField(max_length=100, unique=True, help_text="Short name, e.g. 'International students'.")
    heading = models.CharField(
        max_length=150,
        help_text="The group heading on the home page, e.g. 'For international students'.",
    )

    panels = [FieldPanel("name"), FieldPanel("heading")]

    class Meta(Orderable.Meta):
        verbose_name = "audience"

    def __str__(self):
        return self.name


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

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        children = with_card_images(
            discoverable(self.child_model.objects.child_of(self))
            .select_related("audience")
            .defer_streamfields()
            .order_by("audience__sort_order", "audience__name", "path")
        )
        items = paginate(request, children, self.per_page)
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


class OfficeIndexPage(_AudienceListingPage):
    empty_text = "No offices have been published yet."
    template = "offices/audience_index_page.html"  # shared with the organization index
    parent_page_types = ["dei_portal.HomePage"]
    subpage_types = ["offices.OfficePage"]

    class Meta:
        verbose_name = "office index page"

    @property
    def child_model(self):
        return OfficePage


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

    class Meta:
        verbose_name = "office page"


class OrganizationIndexPage(_AudienceListingPage):
    empty_text = "No organizations have been published yet."
    template = "offices/audience_index_page.html"
    parent_page_types = ["dei_portal.HomePage"]
    subpage_types = ["offices.OrganizationPage"]

    class Meta:
        verbose_name = "organization index page"

    @property
    def child_model(self):
        return OrganizationPage


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

    class Meta:
        verbose_name = "organization page"
