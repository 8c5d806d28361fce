"""The browser tests' shared fixtures (a pytest plugin: tests/conftest.py lists it in ``pytest_plugins``).

- ``browser``: one headless Debian chromium per test module (scripts/chromium.py).
- ``site_url``: pytest-django's ``live_server`` serving the demo content on the migrated home page.
- ``new_context``: fresh browser contexts (own cookies: one per person), 1280 px wide.
- ``editor_page``: a tab signed in as a member of Editors.

The live server needs ``transactional_db``, whose flush also removes the rows the migrations
created (Wagtail's root page and locale, the HomePage, the default Site);
``django_db_serialized_rollback`` restores that migrated state before each test, and the demo
content is written back from its snapshot (tests/snapshots.py), committed, so the live server's
own connection sees it.
"""

import pytest
from django.test import Client
from playwright.sync_api import expect, sync_playwright

from scripts.chromium import CHROMIUM, CHROMIUM_ARGS

TIMEOUT = 15_000  # ms, for every action and expectation in the admin's longer flows


@pytest.fixture(scope="module")
def browser():
    """One headless chromium for the whole module.

    Playwright's sync API keeps an event loop running in this thread, so:

    - Django's ORM refuses to run unless DJANGO_ALLOW_ASYNC_UNSAFE is set. It is set
      only while the module's tests run (set at import, it would leak into the rest of
      the session, e.g. into `manage.py check --deploy` subprocesses, which reject it).
    - Django (through asgiref's thread-critical ``Local``) would hand the tests a second
      database connection, one without the test database's serialized contents. The
      thread's own connections are pinned, so the tests, the rollback emulation and the
      live server share one connection.
    """
    from django.db import connections

    own = {alias: connections[alias] for alias in connections}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            for alias, connection in own.items():
                connections[alias] = connection
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            yield browser
            browser.close()


@pytest.fixture
def site_url(demo_snapshot, transactional_db, django_db_serialized_rollback, live_server):
    """The live server's address, serving the demo content on the migrated home page."""
    from wagtail.models import Site

    from dei_portal.models import HomePage

    site = Site.objects.get(is_default_site=True)
    assert isinstance(site.root_page.specific, HomePage), "the migrated home page should be restored"
    demo_snapshot.restore()
    return live_server.url


@pytest.fixture
def new_context(browser):
    """Fresh browser contexts (own cookies: one per person), closed after the test."""
    contexts = []

    def open_context():
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.set_default_timeout(TIMEOUT)
        contexts.append(context)
        return context

    expect.set_options(timeout=TIMEOUT)
    yield open_context
    expect.set_options(timeout=5_000)  # Playwright's default
    for context in contexts:
        context.close()


@pytest.fixture
def editor_page(browser, site_url):
    """A browser tab signed in as a member of Editors (session cookie from the test client)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from tests.conftest import login_verified

    user = get_user_model().objects.create_user("edie", "edie@example.edu", "a-long-and-correct-passphrase-42")
    user.groups.add(Group.objects.get(name="Editors"))
    client = Client()
    login_verified(client, user)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT)
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": site_url}])
    yield context.new_page()
    context.close()
