"""The site layer's models: the home page at the root, standard pages, the menu and the footer.

Models of the ``dei_portal`` app, registered by dei_portal/models.py. The home page lists
sections built from the content apps below it, which it asks for them.
"""

from django.db import models
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import StreamField
from wagtail.search import index

from dei_portal.core import memo
from dei_portal.core.blocks import BodyStreamBlock, HomeValuesStreamBlock, LinkBlock, SocialLinkBlock
from dei_portal.core.models import BasePage
from dei_portal.core.routing import RouteInOneQueryMixin
from dei_portal.statements.models import StatementIndexPage
from offices.models import OfficeIndexPage, OrganizationIndexPage


class HomePage(RouteInOneQueryMixin, BasePage):
    """The DEI landing page: its own text plus sections listed from the content."""

    intro = models.TextField(blank=True, max_length=600, help_text="The lead paragraph under the page heading.")
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

    class Meta:
        verbose_name = "home page"

    def get_context(self, request, *args, **kwargs):
        """The sections listed from the content: each index page type says what it shows here."""
        context = super().get_context(request, *args, **kwargs)
        context.update(memo.get(("home_sections", self.pk), self.home_sections))
        return context

    def home_sections(self):
        """The sections' rows, evaluated (kept for the content generation by the memo)."""
        office_groups, more_offices = OfficeIndexPage.home_section(self)
        organization_groups, more_organizations = OrganizationIndexPage.home_section(self)
        return {
            "office_groups": office_groups,
            "more_offices": more_offices,
            "organization_groups": organization_groups,
            "more_organizations": more_organizations,
            "statements": list(StatementIndexPage.home_section(self)),
        }


class StandardPage(BasePage):
    """Everything else: accessibility statement, contact, posting guides…"""

    body = StreamField(BodyStreamBlock(), blank=True, help_text="The page's content.")

    content_panels = BasePage.content_panels + [FieldPanel("body")]
    search_fields = BasePage.search_fields + [index.SearchField("body")]
    parent_page_types = ["dei_portal.HomePage", "dei_portal.StandardPage"]
    subpage_types = ["dei_portal.StandardPage"]

    class Meta:
        verbose_name = "standard page"


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
