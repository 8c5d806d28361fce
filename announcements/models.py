"""Announcements (pages) and the site-wide notices shown at the top of every page."""

import hashlib

from django.contrib.contenttypes.fields import GenericRelation
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from wagtail.admin.panels import FieldPanel, MultiFieldPanel, PublishingPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import (
    DraftStateMixin,
    LockableMixin,
    Orderable,
    PreviewableMixin,
    RevisionMixin,
    WorkflowMixin,
)
from wagtail.search import index

from dei_portal.core import memo
from dei_portal.core.blocks import PARAGRAPH_FEATURES, BodyStreamBlock
from dei_portal.core.listing import paginate, with_card_images
from dei_portal.core.models import BasePage, base_promote_panels
from dei_portal.core.visibility import discoverable
from dei_portal.editing.review_help import PublishingHelpPanel


class AnnouncementCategory(Orderable):
    """Campus events, policies, construction, general… (an editable taxonomy)."""

    name = models.CharField(max_length=80, unique=True, help_text="Shown on announcements and as a filter.")
    slug = models.SlugField(max_length=80, unique=True, help_text="Used in filter addresses (?category=slug).")

    panels = [FieldPanel("name"), FieldPanel("slug")]

    # Shown on announcements and as the listing's filters (dei_portal/core/public_site.py).
    changes_public_site = True

    class Meta(Orderable.Meta):
        verbose_name = "announcement category"
        verbose_name_plural = "announcement categories"

    def __str__(self):
        return self.name


class AnnouncementIndexPage(BasePage):
    intro = RichTextField(blank=True, features=PARAGRAPH_FEATURES, help_text="Shown above the announcements.")
    per_page = 10

    content_panels = BasePage.content_panels + [FieldPanel("intro")]
    parent_page_types = ["dei_portal.HomePage"]
    subpage_types = ["announcements.AnnouncementPage"]
    max_count_per_parent = 1

    class Meta:
        verbose_name = "announcement index page"

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        announcements = (
            discoverable(AnnouncementPage.objects.child_of(self))
            .select_related("category")
            .defer_streamfields()
            .order_by("-date", "-first_published_at", "-pk")
        )
        announcements = with_card_images(announcements)
        categories = memo.get("categories", lambda: list(AnnouncementCategory.objects.all()))
        current = None
        slug = request.GET.get("category")
        if slug:
            current = next((c for c in categories if c.slug == slug), None)
            announcements = announcements.filter(category=current) if current else announcements.none()
        page_obj = paginate(request, announcements, self.per_page, memo_key=(self.pk, current.pk if current else slug))
        context.update(
            announcements=page_obj,
            categories=categories,
            current_category=current,
            unknown_category=bool(slug) and current is None,
            page_query=f"category={current.slug}&" if current else "",  # kept by the page links
        )
        return context


class AnnouncementPage(BasePage):
    serve_select_related = ("category", "listing_image", "share_image")

    category = models.ForeignKey(
        AnnouncementCategory,
        null=True,  # a draft may be saved before a category is chosen
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Shown on the announcement and used to filter the announcements list.",
    )
    date = models.DateField(default=timezone.localdate, help_text="The announcement's date; the list is newest first.")
    body = StreamField(BodyStreamBlock(), blank=True, help_text="The full announcement.")
    event_start = models.DateTimeField(
        null=True, blank=True, help_text="Optional: when the event starts (for event announcements)."
    )
    event_end = models.DateTimeField(null=True, blank=True, help_text="Optional: when the event ends.")
    event_location = models.CharField(max_length=200, blank=True, help_text="Optional: where the event takes place.")

    content_panels = BasePage.content_panels + [
        FieldPanel("category"),
        FieldPanel("date"),
        FieldPanel("summary", heading="Summary", help_text="Shown in the announcements list."),
        FieldPanel("body"),
        MultiFieldPanel(
            [FieldPanel("event_start"), FieldPanel("event_end"), FieldPanel("event_location")],
            heading="Event details (optional)",
        ),
    ]
    promote_panels = base_promote_panels(with_summary=False)  # the summary is on the Content tab
    search_fields = BasePage.search_fields + [index.SearchField("body")]
    parent_page_types = ["announcements.AnnouncementIndexPage"]
    subpage_types = []
    search_label = "Announcement"

    class Meta:
        verbose_name = "announcement page"
        # The listing and feeds are newest first: an index lets the database read the
        # newest rows in order instead of sorting every announcement on each request.
        indexes = [models.Index(fields=["-date"], name="announcement_date_desc")]

    def clean(self):
        super().clean()
        if self.event_start and self.event_end and self.event_end < self.event_start:
            raise ValidationError({"event_end": "The event cannot end before it starts."})


class LiveNoticeQuerySet(models.QuerySet):
    def shown(self):
        """Published notices that have not reached their expiry time (even before the
        scheduled-publishing job has taken them down)."""
        now = timezone.now()
        return self.filter(live=True).filter(models.Q(expire_at__isnull=True) | models.Q(expire_at__gt=now))


class SiteNotice(WorkflowMixin, DraftStateMixin, LockableMixin, RevisionMixin, PreviewableMixin, Orderable):
    """A dismissible notice shown at the top of every page while it is published.

    Notices get drafts, revisions, preview, scheduled go-live/expiry, locking and the
    review workflow from Wagtail's snippet mixins; "on" means published.
    """

    heading = models.CharField(max_length=80, help_text="Bold first words of the notice, e.g. 'Announcements'.")
    text = models.CharField(max_length=250, help_text="One short sentence shown after the heading.")
    link_page = models.ForeignKey(
        "wagtailcore.Page",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Optional: a page on this site the notice links to…",
    )
    link_url = models.URLField(
        "link URL", blank=True, max_length=300, help_text="…or an address on another site (https://…)."
    )
    link_text = models.CharField(
        blank=True, max_length=80, help_text="Link text that makes sense on its own, e.g. 'See all announcements'."
    )
    _revisions = GenericRelation("wagtailcore.Revision", related_query_name="sitenotice")
    workflow_states = GenericRelation(
        "wagtailcore.WorkflowState",
        content_type_field="base_content_type",
        object_id_field="object_id",
        related_query_name="sitenotice",
        for_concrete_model=False,
    )

    objects = LiveNoticeQuerySet.as_manager()

    # On every page while published, until its expiry time (dei_portal/core/public_site.py: the
    # page cache moves on when a notice changes, and lives no longer than its next expiry).
    changes_public_site = True

    panels = [
        PublishingHelpPanel(things="Notices", heading="Review before publishing", classname="help-block help-info"),
        FieldPanel("heading"),
        FieldPanel("text"),
        MultiFieldPanel([FieldPanel("link_page"), FieldPanel("link_url"), FieldPanel("link_text")], heading="Link"),
        PublishingPanel(),
    ]

    class Meta(Orderable.Meta):
        verbose_name = "site-wide notice"

    @property
    def revisions(self):
        return self._revisions

    def get_preview_template(self, request, mode_name):
        return "announcements/site_notice_preview.html"

    def get_preview_context(self, request, mode_name):
        return {**super().get_preview_context(request, mode_name), "notices_preview": [self]}

    def __str__(self):
        return self.heading

    def clean(self):
        super().clean()
        if self.link_page_id and self.link_url:
            raise ValidationError({"link_url": "Choose a page or enter an address, not both."})
        if (self.link_page_id or self.link_url) and not self.link_text:
            raise ValidationError({"link_text": "A link needs link text."})
        if self.link_text and not (self.link_page_id or self.link_url):
            raise ValidationError({"link_url": "Choose a page or enter the address the link text points to."})

    @property
    def href(self):
        """The link target; a link to an unpublished page is dropped."""
        if self.link_page_id:
            return self.link_page.url if self.link_page.live else ""
        return self.link_url

    @property
    def dismiss_key(self):
        """Changes whenever the notice's words or link change, so a dismissed notice shows again."""
        content = "\x1f".join([self.heading, self.text, str(self.link_page_id or ""), self.link_url, self.link_text])
        return f"{self.pk}-{hashlib.sha256(content.encode()).hexdigest()[:12]}"
