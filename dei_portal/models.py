"""The site core: user model, the shared base page, home and statement pages, site settings."""

from itertools import groupby

from django.db import models
from django.db.models import Count, Exists, F, OuterRef, Q, Window
from django.db.models.functions import RowNumber
from django.http import Http404
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page, PageViewRestriction
from wagtail.url_routing import RouteResult
from wagtail.search import index

from .listing import paginate, with_card_images
from .blocks import PARAGRAPH_FEATURES, BodyStreamBlock, HomeValuesStreamBlock, LinkBlock, SocialLinkBlock


# The user model lives with the accounts (dei_portal/accounts/models.py); Django loads it from here.
from dei_portal.accounts.models import User  # noqa: F401


def base_promote_panels(with_summary=True):
    """The Promote tab. Page types that show the summary on the Content tab leave it out here."""
    listing = [FieldPanel("summary")] if with_summary else []
    return [
        MultiFieldPanel(
            [
                FieldPanel("slug"),
                FieldPanel("seo_title", help_text="The browser tab and search-result title. Blank uses the page title."),
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

    search_fields = Page.search_fields + [index.SearchField("summary")]

    class Meta:
        abstract = True

    @property
    def meta_description(self):
        return self.search_description or self.summary

    @property
    def social_image(self):
        return self.share_image or self.listing_image

    # Related rows the page's own template needs, fetched with the page when it is served.
    serve_select_related = ("listing_image", "share_image")

    def get_breadcrumbs(self):
        """Live ancestors below the tree root, home first (known from routing, else one query)."""
        chain = getattr(self, "_route_chain", None)
        if chain is not None:
            return [page for page in chain if page.depth > 1 and page.depth < self.depth and page.live]
        return self.get_ancestors().filter(depth__gt=1).live().specific(defer=True)

    @property
    def view_restricted(self):
        """Whether this page or an ancestor may have a view restriction (True when unknown).

        Known without a query for pages served through ``HomePage.route``; the page cache
        never stores a page for which this is True.
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


def first_of_each_audience(queryset, *related):
    """Up to ``HomePage.per_audience`` pages of each audience, in one query, each marked
    with ``in_audience`` (how many its audience has in all)."""
    by_audience = {"partition_by": F("audience_id")}
    return list(
        queryset.annotate(
            rank=Window(RowNumber(), order_by=F("path").asc(), **by_audience),
            in_audience=Window(Count("pk"), **by_audience),
        )
        .filter(rank__lte=HomePage.per_audience)
        .defer_streamfields()
        .select_related("audience", *related)
        .order_by("audience__sort_order", "audience__name", "path")
    )


def group_by_audience(pages):
    """[(audience, [pages…]), …] in the audience order editors set."""
    return [(audience, list(items)) for audience, items in groupby(pages, key=lambda p: p.audience)]


class HomePage(BasePage):
    """The DEI landing page: its own text plus sections listed from the content."""

    intro = models.TextField(
        blank=True, max_length=600, help_text="The lead paragraph under the page heading."
    )
    body = StreamField(
        BodyStreamBlock(),
        blank=True,
        help_text="Text under the lead, including the call to action to the office's own website.",
    )
    network_heading = models.CharField(
        max_length=120,
        default="Our network of offices",
        help_text="Heading above the offices, which are listed from the published office pages.",
    )
    network_intro = models.TextField(
        blank=True,
        max_length=600,
        help_text="Introduces the list of offices, which is built from the published office pages.",
    )
    organizations_heading = models.CharField(
        max_length=120,
        default="Student- and trainee-run organizations",
        help_text="Heading above the organizations, which are listed from the published organization pages.",
    )
    values_body = StreamField(
        HomeValuesStreamBlock(),
        blank=True,
        help_text="After the organizations: the factors statement and the welcome-statement graphic.",
    )
    commitments_heading = models.CharField(
        max_length=120,
        default="Our commitment to equity",
        help_text="Heading above the statements of commitment (listed from the published statement pages).",
    )
    commitments_intro = models.TextField(blank=True, max_length=600, help_text="Shown under that heading.")

    content_panels = BasePage.content_panels + [
        FieldPanel("intro"),
        FieldPanel("body"),
        MultiFieldPanel(
            [FieldPanel("network_heading"), FieldPanel("network_intro"), FieldPanel("organizations_heading")],
            heading="Offices and organizations",
            help_text="The offices and organizations themselves are listed from their own pages.",
        ),
        FieldPanel("values_body"),
        MultiFieldPanel([FieldPanel("commitments_heading"), FieldPanel("commitments_intro")], heading="Statements"),
    ]
    search_fields = BasePage.search_fields + [index.SearchField("intro"), index.SearchField("body")]

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = [
        "offices.OfficeIndexPage",
        "offices.OrganizationIndexPage",
        "dei_portal.StatementIndexPage",
        "announcements.AnnouncementIndexPage",
        "dei_portal.StandardPage",
    ]

    # The home page shows at most this many offices (and organizations) per audience,
    # so it stays the same size however many there are; the listings show them all.
    per_audience = 6

    class Meta:
        verbose_name = "home page"

    def route(self, request, path_components):
        """Find the page for a URL in one query, instead of two per URL segment.

        Every page's ``url_path`` is its slugs joined, so the pages on the way to
        /offices/faculty-affairs/ are those whose url_path is one of the path's prefixes.
        One query loads them with the tree root and this page, each marked with whether
        it has a view restriction; a second loads the specific page with the related
        rows its template shows. The result is the page Wagtail's own routing finds:
        when a segment is missing, or a page on the way routes its own sub-paths
        (``RoutablePageMixin``), Wagtail's routing runs instead.
        """
        prefixes = [self.url_path + "/".join(path_components[: i + 1]) + "/" for i in range(len(path_components))]
        ancestors = [self.path[:i] for i in range(self.steplen, len(self.path) + 1, self.steplen)]
        # Candidates by slug (indexed; url_path is not), narrowed to the exact url_paths here.
        below_here = Q(path__startswith=self.path, depth__gt=self.depth, depth__lte=self.depth + len(prefixes))
        rows = list(
            Page.objects.filter(Q(path__in=ancestors) | Q(below_here, slug__in=set(path_components)))
            .annotate(restricted=Exists(PageViewRestriction.objects.filter(page_id=OuterRef("pk"))))
            .order_by("depth")
        )
        above = [page for page in rows if page.path in ancestors]
        below = [page for page in rows if page.depth > self.depth and page.url_path in prefixes]
        chain = above + below
        if [page.url_path for page in below] != prefixes or len(above) != len(ancestors):
            return super().route(request, path_components)
        if not below:
            target = self
        else:
            model = below[-1].specific_class
            if model is None or any(page.specific_class.route is not Page.route for page in below):
                return super().route(request, path_components)
            if not below[-1].live:
                raise Http404
            related = getattr(model, "serve_select_related", ())
            target = model._default_manager.select_related(*related).get(pk=below[-1].pk)
            target._cached_parent_obj = below[-2] if len(below) > 1 else self
        if not target.live:
            raise Http404
        target._route_chain = chain
        return RouteResult(target)

    def get_context(self, request, *args, **kwargs):
        from offices.models import OfficePage, OrganizationPage

        from .search import discoverable  # live, public and not past expiry

        context = super().get_context(request, *args, **kwargs)
        offices = first_of_each_audience(discoverable(OfficePage.objects.descendant_of(self)), "logo")
        organizations = first_of_each_audience(discoverable(OrganizationPage.objects.descendant_of(self)))
        context["office_groups"] = group_by_audience(offices)
        context["organization_groups"] = group_by_audience(organizations)
        # "See all" links when an audience has more than the home page shows.
        context["more_offices"] = any(page.in_audience > self.per_audience for page in offices)
        context["more_organizations"] = any(page.in_audience > self.per_audience for page in organizations)
        context["statements"] = (
            discoverable(StatementPage.objects.descendant_of(self)).filter(show_on_home=True).order_by("path")
        )
        return context


class StandardPage(BasePage):
    """Everything else: accessibility statement, contact, posting guides…"""

    body = StreamField(BodyStreamBlock(), blank=True, help_text="The page's content.")

    content_panels = BasePage.content_panels + [FieldPanel("body")]
    search_fields = BasePage.search_fields + [index.SearchField("body")]
    parent_page_types = ["dei_portal.HomePage", "dei_portal.StandardPage"]
    subpage_types = ["dei_portal.StandardPage"]

    class Meta:
        verbose_name = "standard page"


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
        from .search import discoverable  # live, public and not past expiry

        statements = with_card_images(
            discoverable(StatementPage.objects.child_of(self)).defer_streamfields().order_by("path")
        )
        context["statements"] = paginate(request, statements, self.per_page)
        return context


class StatementPage(BasePage):
    """An official statement: who issued it, when, a pull-quote, the full text and posters."""

    issued_by = models.CharField(
        max_length=200,
        help_text="Who issued the statement, e.g. 'the Dean' or 'the Academic Affairs Committee and Executive Faculty'.",
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


@register_setting(icon="list-ul")
class NavigationSettings(BaseSiteSetting):
    primary_menu = StreamField(
        [("link", LinkBlock())],
        blank=True,
        help_text="The main menu at the top of every page, in this order. Links to unpublished pages are hidden.",
    )

    panels = [FieldPanel("primary_menu")]

    class Meta:
        verbose_name = "navigation"


@register_setting(icon="form")
class FooterSettings(BaseSiteSetting):
    contact_heading = models.CharField(max_length=120, default="Contact us", help_text="Footer contact heading.")
    address = models.TextField(blank=True, max_length=400, help_text="Postal address shown in the footer.")
    email = models.EmailField(blank=True, help_text="Contact email shown in the footer.")
    phone = models.CharField(blank=True, max_length=40, help_text="Contact phone shown in the footer.")
    social_links = StreamField(
        [("social", SocialLinkBlock())], blank=True, help_text="Social media accounts listed in the footer."
    )
    legal_links = StreamField(
        [("link", LinkBlock())],
        blank=True,
        help_text="Accessibility, privacy and other policy links at the very bottom of every page.",
    )

    panels = [
        MultiFieldPanel(
            [FieldPanel("contact_heading"), FieldPanel("address"), FieldPanel("email"), FieldPanel("phone")],
            heading="Contact",
        ),
        FieldPanel("social_links"),
        FieldPanel("legal_links"),
    ]

    class Meta:
        verbose_name = "footer"
