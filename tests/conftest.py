import pytest
from django.core.cache import cache
from wagtail.models import Site
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from dei_portal.models import HomePage
from tests.factories.announcements import (
    AnnouncementCategoryFactory,
    AnnouncementIndexPageFactory,
    AnnouncementPageFactory,
    SiteNoticeFactory,
)
from tests.factories.offices import (
    AudienceFactory,
    OfficeIndexPageFactory,
    OfficePageFactory,
    OrganizationIndexPageFactory,
    OrganizationPageFactory,
)
from tests.factories.site import StandardPageFactory
from tests.factories.statements import StatementIndexPageFactory, StatementPageFactory


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


def login_verified(client, user):
    """Log `user` in with a confirmed TOTP device, as after the two-factor step."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
        user=user, name="Authenticator app", confirmed=True
    )
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def superuser(db, django_user_model):
    return django_user_model.objects.create_superuser("siteadmin", "siteadmin@example.edu", "long-enough-password-1")


@pytest.fixture
def superuser_client(client, superuser):
    """A superuser past the two-factor step."""
    return login_verified(client, superuser)


def sitemap_locs(client):
    """Every page URL in the sitemap: /sitemap.xml is an index of sitemap pages."""
    import xml.etree.ElementTree as ET
    from urllib.parse import urlsplit

    namespace = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    index = client.get("/sitemap.xml")
    assert index.status_code == 200
    locs = []
    for sitemap in ET.fromstring(index.content).iter(f"{namespace}sitemap"):
        url = urlsplit(sitemap.find(f"{namespace}loc").text)
        page = client.get(f"{url.path}?{url.query}" if url.query else url.path)
        assert page.status_code == 200
        locs += [loc.text for loc in ET.fromstring(page.content).iter(f"{namespace}loc")]
    return locs


@pytest.fixture
def cached(settings, tmp_path):
    """The page and fragment caches on (the test settings turn them off), with a stamp file of
    the test's own and an empty cache before and after."""
    settings.PAGE_CACHE = True
    settings.FRAGMENT_CACHE = True
    settings.PAGE_CACHE_STAMP_FILE = str(tmp_path / "generation")
    cache.clear()
    yield
    cache.clear()


def office_form(audience, **overrides):
    """The admin's office page form, filled in, as a real form post sends it."""
    data = {
        "title": "Office of Graduate Medical Education",
        "slug": "graduate-medical-education",
        "audience": audience.pk,
        "summary": "Supports residents and fellows in every program.",
        "website": "https://gme.example.edu/",
        "body": streamfield([("paragraph", rich_text("<p>More about the office.</p>"))]),
        "contact_email": "",
        "phone": "",
        "location": "",
        "seo_title": "",
        "search_description": "",
    }
    data.update(overrides)
    return nested_form_data(data)
