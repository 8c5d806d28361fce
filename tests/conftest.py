import pytest
from wagtail.models import Site

from announcements.factories import (
    AnnouncementCategoryFactory,
    AnnouncementIndexPageFactory,
    AnnouncementPageFactory,
    SiteNoticeFactory,
)
from dei_portal.factories import StandardPageFactory, StatementIndexPageFactory, StatementPageFactory
from dei_portal.models import HomePage
from offices.factories import (
    AudienceFactory,
    OfficeIndexPageFactory,
    OfficePageFactory,
    OrganizationIndexPageFactory,
    OrganizationPageFactory,
)


@pytest.fixture
def home(db):
    """The home page the migrations create as the default site's root."""
    return Site.objects.get(is_default_site=True).root_page.specific


@pytest.fixture
def tree(home):
    """A small site: one of every page type, published."""
    md = AudienceFactory(name="MD students and faculty", heading="For students and faculty of the MD program")
    students = AudienceFactory(name="Students", heading="Students")
    offices = OfficeIndexPageFactory(parent=home)
    organizations = OrganizationIndexPageFactory(parent=home)
    statements = StatementIndexPageFactory(parent=home)
    announcements = AnnouncementIndexPageFactory(parent=home)
    return {
        "home": home,
        "md": md,
        "students": students,
        "offices": offices,
        "office": OfficePageFactory(parent=offices, title="Office of Diversity Programs", audience=md),
        "organizations": organizations,
        "organization": OrganizationPageFactory(parent=organizations, title="Connections", audience=students),
        "statements": statements,
        "statement": StatementPageFactory(
            parent=statements, title="The Dean's commitment", issued_by="the Dean", excerpt="We mean it."
        ),
        "announcements": announcements,
        "announcement": AnnouncementPageFactory(
            parent=announcements,
            title="Lecture on health equity",
            category=AnnouncementCategoryFactory(name="Campus events", slug="campus-events"),
        ),
        "standard": StandardPageFactory(parent=home, title="Accessibility statement"),
        "notice": SiteNoticeFactory(heading="Announcements", text="Campus news and more."),
    }


@pytest.fixture
def demo(db, home):
    from django.core.management import call_command

    call_command("load_demo_content", stdout=open("/dev/null", "w"))
    return HomePage.objects.get(pk=home.pk)
