"""Purging the HTTP cache in front of the site (dei_portal/core/frontend_cache.py, Varnish).

A tiny HTTP server on a free loopback port stands in for Varnish and records every PURGE and
BAN it gets. Publishing or unpublishing a page must PURGE the page (Wagtail) and, once the
transaction commits, BAN every page (notices, menus and listings change other pages too);
a notice or a setting must BAN; a draft must not; nothing is sent when no proxy is
configured; and a proxy that refuses, hangs or says no never breaks publishing.
"""

import logging
import runpy
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from bs4 import BeautifulSoup
from django.db import transaction
from django.urls import reverse
from wagtail.models import Site

from dei_portal.core import frontend_cache
from dei_portal.models import FooterSettings
from offices.models import OfficePage
from tests.conftest import office_form as shared_office_form


class _Recorder(BaseHTTPRequestHandler):
    def _record(self):
        self.server.requests.append((self.command, self.path, self.headers.get("Host")))
        self.send_response(self.server.status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_PURGE = do_BAN = do_GET = _record

    def log_message(self, *args):
        pass


def _proxy_settings(location, timeout=2):
    return {
        "proxy1": {"BACKEND": "dei_portal.core.frontend_cache.HTTPBackend", "LOCATION": location, "TIMEOUT": timeout}
    }


@pytest.fixture
def proxy(tree, settings):
    """A stand-in Varnish: records (method, path, Host) of each request, answers 200.

    Configured only once the test's pages exist: the test runs in one transaction, and a
    BAN waiting for its commit since the pages were made would stand in for the test's own.
    """
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    server.requests = []
    server.status = 200
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.WAGTAILFRONTENDCACHE = _proxy_settings(f"http://127.0.0.1:{server.server_address[1]}")
    yield server
    server.shutdown()
    server.server_close()


def _closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # closed again on leaving: connections are refused


def bans(server):
    return [request for request in server.requests if request[0] == "BAN"]


def purges(server):
    return [request for request in server.requests if request[0] == "PURGE"]


def office_path(tree):
    return tree["office"].relative_url(Site.objects.get(is_default_site=True))


# --- configuration --------------------------------------------------------------------------


def test_frontend_cache_urls_configure_one_http_backend_per_proxy(monkeypatch):
    monkeypatch.setenv("FRONTEND_CACHE_URLS", "http://127.0.0.1:6081, http://10.0.0.5:6081")
    monkeypatch.setenv("FRONTEND_CACHE_TIMEOUT", "0.5")
    configured = runpy.run_module("dei_portal.settings.base")
    assert "wagtail.contrib.frontend_cache" in configured["INSTALLED_APPS"]
    assert configured["WAGTAILFRONTENDCACHE"] == {
        "proxy1": {
            "BACKEND": "dei_portal.core.frontend_cache.HTTPBackend",
            "LOCATION": "http://127.0.0.1:6081",
            "TIMEOUT": 0.5,
        },
        "proxy2": {
            "BACKEND": "dei_portal.core.frontend_cache.HTTPBackend",
            "LOCATION": "http://10.0.0.5:6081",
            "TIMEOUT": 0.5,
        },
    }


def test_without_frontend_cache_urls_no_proxy_is_configured(monkeypatch):
    monkeypatch.delenv("FRONTEND_CACHE_URLS", raising=False)
    configured = runpy.run_module("dei_portal.settings.base")
    assert configured["WAGTAILFRONTENDCACHE"] == {}


# --- what is sent, and when -----------------------------------------------------------------


def test_publishing_a_page_purges_it_at_once_and_bans_every_page_on_commit(
    proxy, tree, django_capture_on_commit_callbacks
):
    office = tree["office"]
    with django_capture_on_commit_callbacks() as callbacks:
        office.title = "Office of Diversity Programs and Inclusion"
        office.save_revision().publish()
        # Wagtail's own PURGE of the page's address went out during the publish ...
        assert purges(proxy) == [("PURGE", office_path(tree), "localhost")]
        # ... the site-wide BAN waits for the commit: a proxy refetching earlier would
        # store the old rows again.
        assert bans(proxy) == []
    # One BAN however many rows the publish saved (page, revision, log entry).
    assert callbacks.count(frontend_cache._ban_on_commit) == 1
    for callback in callbacks:
        callback()
    assert bans(proxy) == [("BAN", "/", f"127.0.0.1:{proxy.server_address[1]}")]


def test_unpublishing_a_page_purges_it_and_bans_every_page(proxy, tree, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        tree["organization"].unpublish()
    assert ("PURGE", tree["organization"].relative_url(Site.objects.get(is_default_site=True)), "localhost") in purges(
        proxy
    )
    assert len(bans(proxy)) == 1


def test_publishing_through_the_admin_bans_every_page(
    proxy, tree, superuser_client, django_capture_on_commit_callbacks
):
    office = tree["office"]
    with django_capture_on_commit_callbacks(execute=True):
        response = superuser_client.post(
            reverse("wagtailadmin_pages:edit", args=[office.pk]),
            {**office_form(office, title="Office of Diversity Programs (renamed)"), "action-publish": "publish"},
        )
    assert response.status_code == 302, BeautifulSoup(response.content, "html.parser").select(".error-message")
    assert OfficePage.objects.get(pk=office.pk).title == "Office of Diversity Programs (renamed)"
    assert ("PURGE", office_path(tree), "localhost") in purges(proxy)
    assert len(bans(proxy)) == 1


def test_a_notice_change_bans_every_page(proxy, tree, django_capture_on_commit_callbacks):
    notice = tree["notice"]
    with django_capture_on_commit_callbacks(execute=True):
        notice.text = "Registration for the spring lecture is open."
        notice.save_revision().publish()
    assert len(bans(proxy)) == 1
    assert purges(proxy) == []  # a notice has no address of its own: the BAN is what clears it


def test_a_notice_taken_down_bans_every_page(proxy, tree, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        tree["notice"].unpublish()
    assert len(bans(proxy)) == 1


@pytest.fixture
def footer(tree):
    return FooterSettings.for_site(Site.objects.get(is_default_site=True))  # made before the proxy is set


def test_a_footer_setting_change_bans_every_page(footer, proxy, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        footer.phone = "+1 555 0100"
        footer.save()
    assert len(bans(proxy)) == 1


def test_a_draft_sends_nothing(proxy, tree, django_capture_on_commit_callbacks):
    office = tree["office"]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        office.title = "A draft title"
        office.save_revision()
    assert frontend_cache._ban_on_commit not in callbacks
    assert proxy.requests == []


def test_a_rolled_back_publish_sends_no_ban(proxy, tree, django_capture_on_commit_callbacks):
    office = tree["office"]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            office.title = "Never published"
            office.save_revision().publish()
            raise RuntimeError("the editor's request failed")
    assert frontend_cache._ban_on_commit not in callbacks
    assert bans(proxy) == []


def test_nothing_is_sent_when_no_proxy_is_configured(settings, tree, monkeypatch, django_capture_on_commit_callbacks):
    settings.WAGTAILFRONTENDCACHE = {}

    def no_network(*args, **kwargs):
        raise AssertionError("a request was sent with no proxy configured")

    monkeypatch.setattr(frontend_cache, "urlopen", no_network)
    monkeypatch.setattr("wagtail.contrib.frontend_cache.backends.http.urlopen", no_network)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        tree["office"].save_revision().publish()
        tree["notice"].save_revision().publish()
    assert frontend_cache.proxy_locations() == []
    assert frontend_cache._ban_on_commit not in callbacks
    assert frontend_cache.ban_all() == 0


# --- a proxy that fails never breaks publishing ---------------------------------------------


def test_a_refused_connection_is_logged_and_the_admin_publish_succeeds(
    settings, tree, superuser_client, caplog, django_capture_on_commit_callbacks
):
    settings.WAGTAILFRONTENDCACHE = _proxy_settings(f"http://127.0.0.1:{_closed_port()}")
    office = tree["office"]
    with caplog.at_level(logging.ERROR, logger="dei_portal.frontend_cache"):
        with django_capture_on_commit_callbacks(execute=True):
            response = superuser_client.post(
                reverse("wagtailadmin_pages:edit", args=[office.pk]),
                {**office_form(office, title="Published while the proxy is down"), "action-publish": "publish"},
            )
    assert response.status_code == 302
    office = OfficePage.objects.get(pk=office.pk)
    assert office.live and office.title == "Published while the proxy is down"
    assert not office.has_unpublished_changes
    messages = [record.getMessage() for record in caplog.records]
    assert any(m.startswith("Could not purge") and "refused" in m.lower() for m in messages), messages
    assert any(m.startswith("Could not ban") and "refused" in m.lower() for m in messages), messages


def test_a_proxy_that_never_answers_delays_a_publish_only_by_the_timeout(
    settings, tree, caplog, django_capture_on_commit_callbacks
):
    with socket.socket() as silent:  # accepts connections (backlog) but never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        settings.WAGTAILFRONTENDCACHE = _proxy_settings(f"http://127.0.0.1:{silent.getsockname()[1]}", timeout=0.3)
        started = time.monotonic()
        with caplog.at_level(logging.ERROR, logger="dei_portal.frontend_cache"):
            with django_capture_on_commit_callbacks(execute=True):
                tree["office"].save_revision().publish()
        elapsed = time.monotonic() - started
    assert elapsed < 3, f"publishing took {elapsed:.1f} s with a silent proxy"
    messages = [record.getMessage() for record in caplog.records]
    assert any(m.startswith("Could not purge") for m in messages), messages
    assert any(m.startswith("Could not ban") for m in messages), messages


def test_a_proxy_that_refuses_the_ban_is_logged(proxy, caplog):
    proxy.status = 405  # e.g. the app server's address is missing from the VCL's ACL
    with caplog.at_level(logging.ERROR, logger="dei_portal.frontend_cache"):
        assert frontend_cache.ban_all() == 0
    assert bans(proxy) == [("BAN", "/", f"127.0.0.1:{proxy.server_address[1]}")]
    assert any("HTTP 405" in record.getMessage() for record in caplog.records)


def office_form(office, **overrides):
    """The admin form for an existing office, as its edit page would post it."""
    fields = {
        "title": office.title,
        "slug": office.slug,
        "summary": office.summary or "Supports students and faculty.",
        "website": office.website or "https://office.example.edu/",
    }
    return shared_office_form(office.audience, **{**fields, **overrides})
