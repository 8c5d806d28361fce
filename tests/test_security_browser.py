"""What only a browser can prove about the site's defences (headless Debian chromium).

- Every public page type runs under the strict Content-Security-Policy with no violation
  and no console error, and its own scripts (notices.js, embed.js) still work.
- Script put into the content never runs: not as entered through the admin (escaped,
  script addresses dropped), and not even when written straight into the database past
  every validation (the policy blocks inline handlers and ``javascript:`` links: the safety
  net, seen here as CSP violations).
- The admin works under its own policy (an edit page with its inline scripts and the
  preview panel) with no violation.
- No other site can frame a page.

Runs on the live server with the demo content, like tests/test_browser.py (``browser`` and
``site_url`` are tests/browser_fixtures.py's). Run with ``pytest -m browser``.
"""

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from .test_browser import PAGES
from .test_security import PAYLOAD, SCRIPT_URLS, SHORT, hostile_rich_text

PASSWORD = "a-long-and-correct-passphrase-42"

# Installed before any page script (Playwright adds it through the DevTools protocol, which
# the page's policy does not govern): records every CSP violation the page reports.
WATCH = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push([event.effectiveDirective, event.blockedURI, event.sample].join(" "));
}, true);
"""


@pytest.fixture
def open_page(browser):
    """Pages in fresh contexts that record dialogs (alert), console messages and CSP violations."""
    contexts = []

    def open_():
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.set_default_timeout(15_000)
        context.add_init_script(WATCH)
        contexts.append(context)
        page = context.new_page()
        page.dialogs, page.console, page.errors = [], [], []

        def on_dialog(dialog):
            page.dialogs.append(dialog.message)
            dialog.dismiss()

        page.on("dialog", on_dialog)
        page.on("console", lambda message: page.console.append((message.type, message.text)))
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        return page

    yield open_
    for context in contexts:
        context.close()


def violations(page):
    found = []
    for frame in page.frames:
        try:
            found += frame.evaluate("window.__violations || []")
        except PlaywrightError:  # a frame the browser refused to load has no window to ask
            pass
    return found


def pwned(page):
    return page.evaluate("typeof window.__pwned !== 'undefined'")


def console_problems(page):
    """Console errors and warnings, but not the expected 404 of the missing-page URL."""
    return [
        text
        for kind, text in page.console
        if kind in ("error", "warning") and not text.startswith("Failed to load resource")
    ] + page.errors


@pytest.mark.browser
def test_every_public_page_runs_under_the_strict_policy_without_a_violation(site_url, open_page):
    page = open_page()
    for url, status in PAGES:
        response = page.goto(f"{site_url}{url}")
        assert response.status == status, url
        policy = response.headers["content-security-policy"]
        assert "script-src 'self';" in policy and "unsafe" not in policy, url
        page.wait_for_load_state("load")
        assert violations(page) == [], url
        # The JSON-LD block is data: present, and no violation for it.
        assert page.locator("script[type='application/ld+json']").count() == 1, url
    # The site's own scripts are files, so they run: notices get their close buttons...
    page.goto(f"{site_url}/")
    expect(page.locator("[data-notice-close]").first).to_be_visible()
    # ... and a statement's embed code its Copy button.
    page.goto(f"{site_url}/statements/welcome-statement/")
    expect(page.locator("[data-embed-copy]")).to_be_visible()
    assert violations(page) == []
    assert console_problems(page) == [], "CSP or Permissions-Policy complaints (e.g. an unknown feature)"
    assert page.dialogs == []


def put_script_in_the_content():
    """Script in the demo content's fields, as the admin would store it (escaped on output,
    script links dropped by the rich-text converter). Returns the URLs to look at."""
    from wagtail.models import Site

    from announcements.models import AnnouncementPage, SiteNotice
    from dei_portal.models import FooterSettings, StatementPage
    from offices.models import OfficePage

    site = Site.objects.get(is_default_site=True)
    office = OfficePage.objects.get(slug="faculty-affairs")
    office.title = f"Faculty Affairs {PAYLOAD}"
    office.summary = PAYLOAD
    office.phone = SHORT
    office.location = PAYLOAD[:200]
    office.body = [
        {"type": "heading", "value": {"text": PAYLOAD[:120], "level": "h2"}},
        {"type": "paragraph", "value": hostile_rich_text()},
        {"type": "quote", "value": {"quote": PAYLOAD, "attribution": PAYLOAD[:120]}},
    ]
    office.save_revision().publish()
    statement = StatementPage.objects.get(slug="deans-commitment")
    statement.excerpt = PAYLOAD
    statement.posting_instructions = hostile_rich_text()
    statement.save_revision().publish()
    announcement = AnnouncementPage.objects.get(slug="heritage-month-lecture")
    announcement.event_location = PAYLOAD[:200]
    announcement.summary = PAYLOAD
    announcement.save_revision().publish()
    notice = SiteNotice.objects.order_by("sort_order").first()
    notice.text = PAYLOAD
    notice.save()
    footer = FooterSettings.for_site(site)
    footer.address = PAYLOAD
    footer.phone = SHORT
    footer.save()
    return [
        office.url,
        statement.url,
        announcement.url,
        "/",
        "/offices/",
        "/announcements/",
        "/search/?query=Faculty",
        f"/search/?query={PAYLOAD}",
    ]


def bypass_every_validation():
    """Script written straight into the database: URL fields holding script addresses and
    rich text holding raw markup, as no admin form would let through (a bad import, a
    database edit). Only the Content-Security-Policy stands between these and the visitor."""
    from announcements.models import SiteNotice
    from dei_portal.models import StandardPage
    from offices.models import OfficePage

    OfficePage.objects.filter(slug="faculty-affairs").update(website=SCRIPT_URLS[0])
    notice = SiteNotice.objects.order_by("sort_order").first()
    SiteNotice.objects.filter(pk=notice.pk).update(link_url=SCRIPT_URLS[1], link_text="Notice link", link_page=None)
    page = StandardPage.objects.get(slug="accessibility")
    links = "".join(
        f'<a href="{url.replace(chr(34), "&quot;")}">raw link {n}</a> ' for n, url in enumerate(SCRIPT_URLS)
    )
    raw = (
        f"<p>{links}</p>"
        '<p><img src="x" onerror="window.__pwned=1;alert(1)">'
        '<svg><image href="x" onerror="window.__pwned=1;alert(1)"/></svg>'
        "<script>window.__pwned=1;alert(1)</script>"
        '<a href="#" onclick="window.__pwned=1;alert(1)" id="onclick-link">click</a></p>'
    )
    page.body = [{"type": "paragraph", "value": raw}]
    page.save_revision().publish()
    assert "onerror=" in StandardPage.objects.get(pk=page.pk).body.raw_data[0]["value"]
    from dei_portal.core import cache as page_cache

    page_cache.invalidate()
    return page.url


def click_every_link(page, selector):
    """Click each matching link as a visitor would; come back if one navigated away."""
    start = page.url
    for index in range(page.locator(selector).count()):
        link = page.locator(selector).nth(index)
        if not link.is_visible():
            continue
        link.click(no_wait_after=True)
        page.wait_for_timeout(150)
        if page.url != start:
            page.goto(start)


@pytest.mark.browser
def test_script_entered_through_the_admin_never_runs(site_url, open_page):
    urls = put_script_in_the_content()
    page = open_page()
    for url in urls:
        page.goto(f"{site_url}{url}")
        page.wait_for_load_state("load")
        click_every_link(page, "main .rich-text a")
        assert not pwned(page), url
        assert page.dialogs == [], url
        assert violations(page) == [], f"{url}: nothing inline should even have been tried"
    # The words were there, as text.
    page.goto(f"{site_url}{urls[0]}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("<script>window.__pwned=1;alert(1)</script>")


@pytest.mark.browser
def test_script_written_past_every_validation_is_stopped_by_the_policy(site_url, open_page):
    raw_page = bypass_every_validation()
    page = open_page()
    for url in ("/offices/faculty-affairs/", "/", raw_page):
        page.goto(f"{site_url}{url}")
        page.wait_for_load_state("load")
        page.wait_for_timeout(300)  # image errors fire after load
        for selector in ("a[href*='script' i]", "a[href^='data:' i]", "#onclick-link", ".site-notice a"):
            click_every_link(page, selector)
        assert page.dialogs == [], url
        assert not pwned(page), url
    # The policy is what stopped them: the browser reports each blocked attempt.
    page.goto(f"{site_url}{raw_page}")
    page.wait_for_timeout(300)
    click_every_link(page, "#onclick-link")
    page.goto(f"{site_url}/offices/faculty-affairs/")
    click_every_link(page, "a.button[href^='javascript']")
    blocked = " | ".join(violations(page))
    assert "script-src" in blocked, blocked
    page.goto(f"{site_url}{raw_page}")
    page.wait_for_timeout(300)
    found = violations(page)
    assert any(v.startswith("script-src-elem inline") for v in found), found  # the <script>
    assert any(v.startswith("script-src-attr inline") for v in found), found  # onerror=
    assert page.dialogs == [] and not pwned(page)


@pytest.mark.browser
def test_the_admin_works_under_its_own_policy(site_url, open_page):
    """An editor's page edit form (date pickers and inline panels are inline scripts) and its
    live preview (an iframe of the admin's preview URL) run without a single violation."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from announcements.models import AnnouncementPage

    editor = get_user_model().objects.create_user("edie", "edie@example.edu", PASSWORD)
    editor.groups.add(Group.objects.get(name="Editors"))
    announcement = AnnouncementPage.objects.get(slug="heritage-month-lecture")
    page = open_page()
    page.goto(f"{site_url}/admin/login/")
    page.locator("#id_username").fill("edie")
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{site_url}/admin/")
    response = page.goto(f"{site_url}/admin/pages/{announcement.pk}/edit/")
    assert "'unsafe-inline'" in response.headers["content-security-policy"]
    page.locator("[data-side-panel-toggle='preview']").first.click()
    preview = page.frame_locator("#w-preview-iframe")
    expect(preview.get_by_role("heading", level=1)).to_have_text(announcement.title)
    assert violations(page) == []
    assert not [
        text for kind, text in page.console if "Content Security Policy" in text or "Permissions-Policy" in text
    ]


@pytest.mark.browser
def test_no_other_site_can_frame_a_page(site_url, open_page):
    page = open_page()
    evil = "http://evil.test/"
    page.context.route(
        f"{evil}**",
        lambda route: route.fulfill(
            content_type="text/html", body=f'<!DOCTYPE html><title>Evil</title><iframe src="{site_url}/"></iframe>'
        ),
    )
    page.goto(evil)
    page.wait_for_timeout(1000)
    framed = [frame for frame in page.frames if frame != page.main_frame]
    assert len(framed) == 1
    # chromium refuses to show the page and puts its error page in the frame instead.
    assert framed[0].url.startswith("chrome-error://"), framed[0].url
    assert framed[0].locator(".site-header__brand").count() == 0  # (chromium's error page has a #main-content too)
