"""Statements: the statement index, each official statement and its printable posters.

Models of the ``dei_portal`` app (their tables and migrations are that app's), registered by
dei_portal/models.py; a content app on the core, like offices and announcements.
"""

from django.db import models
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable
from wagtail.search import index

from dei_portal.core.blocks import PARAGRAPH_FEATURES, BodyStreamBlock
from dei_portal.core.listing import paginate, with_card_images
from dei_portal.core.models import BasePage
from dei_portal.core.visibility import discoverable


class StatementIndexPage(BasePage):
    per_page = 24

    intro = RichTextField(blank=True, features=PARAGRAPH_FEATURES, help_text="Shown above the list of statements.")

    content_panels = BasePage.content_panels + [FieldPanel("intro")]
    parent_page_types = ["dei_portal.HomePage"]
    subpage_types = ["dei_portal.StatementPage"]
    max_count_per_parent = 1

    class Meta:
        verbose_name = "statement index page"

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        statements = with_card_images(
            discoverable(StatementPage.objects.child_of(self)).defer_streamfields().order_by("path")
        )
        context["statements"] = paginate(request, statements, self.per_page, memo_key=(self.pk,))
        return context

    @classmethod
    def home_section(cls, home):
        """The statements of commitment the home page lists: those below it marked
        "List as a commitment on the home page", in tree order (not yet evaluated)."""
        return discoverable(StatementPage.objects.descendant_of(home)).filter(show_on_home=True).order_by("path")


class StatementPage(BasePage):
    """An official statement: who issued it, when, a pull-quote, the full text and posters."""

    serve_prefetch_related = ("posters__document",)

    issued_by = models.CharField(
        max_length=200,
        help_text=(
            "Who issued the statement, e.g. 'the Dean' or 'the Academic Affairs Committee and Executive Faculty'."
        ),
    )
    issued_on = models.DateField(null=True, blank=True, help_text="When it was issued; shown under the title.")
    excerpt = models.TextField(
        max_length=400,
        help_text="A short pull-quote from the statement, shown wherever the statement is listed.",
    )
    body = StreamField(BodyStreamBlock(), blank=True, help_text="The full text of the statement.")
    posting_instructions = RichTextField(
        blank=True,
        features=PARAGRAPH_FEATURES,
        help_text="How to post this statement in an office or on a website; shown with the poster downloads.",
    )
    show_on_home = models.BooleanField(
        default=True,
        verbose_name="List as a commitment on the home page",
        help_text="Show the excerpt under 'Our commitment to equity' on the home page.",
    )

    content_panels = BasePage.content_panels + [
        MultiFieldPanel([FieldPanel("issued_by"), FieldPanel("issued_on")], heading="Issued"),
        FieldPanel("excerpt"),
        FieldPanel("body"),
        MultiFieldPanel(
            [FieldPanel("posting_instructions"), InlinePanel("posters", label="Poster")],
            heading="Posters and posting",
        ),
        FieldPanel("show_on_home"),
    ]
    search_fields = BasePage.search_fields + [
        index.SearchField("excerpt"),
        index.SearchField("body"),
        index.SearchField("issued_by"),
    ]
    parent_page_types = ["dei_portal.StatementIndexPage"]
    subpage_types = []
    search_label = "Statement"

    class Meta:
        verbose_name = "statement page"


class StatementPoster(Orderable):
    page = ParentalKey(StatementPage, on_delete=models.CASCADE, related_name="posters")
    document = models.ForeignKey(
        "wagtaildocs.Document",
        on_delete=models.CASCADE,
        related_name="+",
        help_text="A printable poster (PDF or image); shown as a download with its file type and size.",
    )
    label = models.CharField(
        max_length=120, blank=True, help_text="Link text, e.g. 'Poster, letter size'. Blank uses the document title."
    )

    panels = [FieldPanel("document"), FieldPanel("label")]
