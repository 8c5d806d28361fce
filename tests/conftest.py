import warnings

import pytest
from django.core.cache import cache
from wagtail.models import Site
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from dei_portal.core import memo
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
from tests.snapshots import Snapshot, call_quietly

pytest_plugins = ["tests.browser_fixtures"]

# What each test module covers: every test in it carries its group's marker (registered in
# pytest.ini), so `make test PYTEST_ARGS="-m accounts"` runs one area. Every test that drives
# chromium also carries `browser` (added here when it uses the `browser` fixture). A new module
# needs a line here: tests/test_suite.py fails while one has none. `make test-fast` runs
# everything but the browser and ops groups.
GROUPS = {
    # Page types, their content and the editing of it: pages, listings, search, feeds, notices,
    # scheduling, the demo and scaled content, the admin's editing aids.
    "content": [
        "test_admin_editing.py",
        "test_browser_character_count.py",
        "test_browser_scheduling.py",
        "test_browser_userbar.py",
        "test_browser_workflow.py",
        "test_demo_content.py",
        "test_editor_aids.py",
        "test_editor_fixes.py",
        "test_feeds.py",
        "test_image_tags.py",
        "test_listings.py",
        "test_notices.py",
        "test_pages.py",
        "test_review_ux.py",
        "test_scale_content.py",
        "test_scheduling.py",
        "test_search.py",
        "test_search_typos.py",
        "test_stream_rendering.py",
    ],
    # What visitors get: templates and chrome, accessibility, caching, page weight, query counts,
    # discoverability, the admin's branding.
    "site": [
        "test_admin_branding.py",
        "test_admin_offline.py",
        "test_browser.py",
        "test_caching.py",
        "test_chrome_and_details.py",
        "test_discoverability.py",
        "test_frontend_cache.py",
        "test_page_weight.py",
        "test_query_counts.py",
        "test_shared_templates.py",
    ],
    # People: users, roles, sign-in and two-factor, emails to them, and attacks on all of it.
    "accounts": [
        "test_admin_security.py",
        "test_browser_invite.py",
        "test_browser_publisher.py",
        "test_browser_roles_ux.py",
        "test_browser_two_factor.py",
        "test_client_ip.py",
        "test_dev_admin.py",
        "test_email_links.py",
        "test_emails_invitation.py",
        "test_role_table.py",
        "test_roles.py",
        "test_roles_ux.py",
        "test_security.py",
        "test_security_browser.py",
        "test_two_factor_recovery.py",
        "test_uploads.py",
    ],
    # Running it: settings and environment, locks, backups, media storage, the scripts' harness,
    # operations endpoints and logs, this suite's own structure (mostly subprocesses and servers).
    "ops": [
        "test_backup.py",
        "test_bench_chart.py",
        "test_bench_publishing.py",
        "test_dependencies.py",
        "test_env.py",
        "test_harness.py",
        "test_media_s3.py",
        "test_operations.py",
        "test_settings.py",
        "test_suite.py",
    ],
}
GROUP_OF = {module: group for group, modules in GROUPS.items() for module in modules}


def pytest_collection_modifyitems(config, items):
    ungrouped = set()
    for item in items:
        group = GROUP_OF.get(item.path.name)
        if group is None:
            ungrouped.add(item.path.name)
        else:
            item.add_marker(group)
        if "browser" in getattr(item, "fixturenames", ()) and item.get_closest_marker("browser") is None:
            item.add_marker("browser")
    for module in sorted(ungrouped):
        warnings.warn(
            pytest.PytestWarning(f"{module} has no group: add it to GROUPS in tests/conftest.py"), stacklevel=1
        )


@pytest.fixture
def home(db):
    """The home page the migrations create as the default site's root."""
    return Site.objects.get(is_default_site=True).root_page.specific


def build_tree():
    """A small site: one of every page type, published (the ``tree`` fixture's builder)."""
    home = Site.objects.get(is_default_site=True).root_page.specific
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


def build_demo():
    """The demo site, as `make run` shows it (the ``demo`` fixture's builder)."""
    call_quietly("load_demo_content")
    return {"home": Site.objects.get(is_default_site=True).root_page.specific}


@pytest.fixture(scope="session")
def tree_snapshot(django_db_setup, django_db_blocker):
    """``build_tree`` run once per test session (per xdist worker), kept as rows (tests/snapshots.py)."""
    with django_db_blocker.unblock():
        return Snapshot(build_tree)


@pytest.fixture(scope="session")
def demo_snapshot(django_db_setup, django_db_blocker):
    """``load_demo_content`` run once per test session (per xdist worker), kept as rows."""
    with django_db_blocker.unblock():
        return Snapshot(build_demo)


@pytest.fixture
def tree(home, tree_snapshot):
    """A small site: one of every page type, published (``build_tree``'s rows, restored)."""
    built = tree_snapshot.restore()
    home.refresh_from_db()  # its numchild, as adding the children left it
    built["home"] = home
    return built


@pytest.fixture
def demo(db, home, demo_snapshot):
    """The demo content (``load_demo_content``'s rows and media, restored); the home page."""
    demo_snapshot.restore()
    home.refresh_from_db()
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


PASSWORD = "long-enough-password-1"


def member(django_user_model, username, *groups, **extra):
    """A user in the named groups (roles), with PASSWORD and an address at example.edu."""
    from django.contrib.auth.models import Group

    user = django_user_model.objects.create_user(username, f"{username}@example.edu", PASSWORD, **extra)
    user.groups.set([Group.objects.get(name=name) for name in groups])
    return user


@pytest.fixture
def editor(db, django_user_model):
    """Edie, an Editor (modules that need another editor define their own ``editor``)."""
    return member(django_user_model, "editor", "Editors", first_name="Edie")


@pytest.fixture
def moderator(db, django_user_model):
    """Mo, a Moderator."""
    return member(django_user_model, "moderator", "Moderators", first_name="Mo")


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
    memo.clear()  # a new test's database: nothing an earlier test's requests kept in the process
    yield
    cache.clear()
    memo.clear()


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
