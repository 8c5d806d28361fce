"""End-to-end checks in a real browser: headless Debian chromium driven by Playwright.

These tests run the demo site on pytest-django's ``live_server`` and check what only a
browser can: the dismissible site-wide notices (with and without JavaScript), keyboard
use (skip link, close buttons, the whole Tab order of the home page), an axe-core scan of
every page type at a phone and a desktop width, printing a statement on one page, and
copying a statement's embed code. Run them alone with ``pytest -m browser``.

The ``browser`` and ``site_url`` fixtures (the live server with the demo content) are
tests/browser_fixtures.py's, shared by every browser test module.
"""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

NOTICE_ONE = "Announcements"
NOTICE_TWO = "Information for our community"

# One URL for every page type in the demo content, and a missing page.
PAGES = [
    ("/", 200),
    ("/offices/", 200),
    ("/offices/faculty-affairs/", 200),
    ("/organizations/", 200),
    ("/organizations/wumma/", 200),
    ("/statements/", 200),
    ("/statements/deans-commitment/", 200),
    ("/statements/welcome-statement/", 200),
    ("/announcements/", 200),
    ("/announcements/?page=1", 200),
    ("/announcements/heritage-month-lecture/", 200),
    ("/accessibility/", 200),
    ("/search/?query=office", 200),
    ("/no-such-page/", 404),
]
AXE_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa", "best-practice"],
    },
    "resultTypes": ["violations"],
}


@pytest.fixture
def new_page(browser, site_url, settings):
    """Open pages in fresh browser contexts (own storage), closed after the test.

    The live server runs with DEBUG off, so it serves no media files; the browser is
    given them straight from MEDIA_ROOT, so images render as they would on the site.
    """
    from pathlib import Path

    media_root = Path(settings.MEDIA_ROOT).resolve()
    contexts = []

    def serve_media(route):
        relative = route.request.url.split(settings.MEDIA_URL, 1)[1].split("?", 1)[0]
        path = (media_root / relative).resolve()
        if path.is_file() and path.is_relative_to(media_root):
            route.fulfill(path=path)
        else:
            route.fulfill(status=404, body="Not found")

    def open_page(**context_options):
        context = browser.new_context(**context_options)
        context.set_default_timeout(10_000)
        context.route(f"{site_url}{settings.MEDIA_URL}**", serve_media)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def notice(page, heading):
    return page.locator(".site-notice").filter(has=page.get_by_text(heading, exact=True))


def close_button(page, heading):
    return page.get_by_role("button", name=f"Dismiss notice: {heading}", exact=True)


def focused_label(page):
    """A short description of the focused element: its accessible name or text."""
    return page.evaluate(
        "() => { const el = document.activeElement;"
        " return el ? (el.getAttribute('aria-label') || el.id || el.textContent.trim()) : null; }"
    )


@pytest.mark.browser
def test_notices_show_without_javascript(site_url, new_page):
    page = new_page(java_script_enabled=False)
    page.goto(site_url + "/")
    for heading in (NOTICE_ONE, NOTICE_TWO):
        expect(notice(page, heading)).to_be_visible()
        expect(notice(page, heading)).to_contain_text(heading)
        # Without the script nothing could close the notice, so no dead button is shown.
        expect(notice(page, heading).locator("button[data-notice-close]")).to_be_hidden()
    expect(page.get_by_role("link", name="See all announcements")).to_be_visible()
    # The page's images load (served from MEDIA_ROOT), e.g. the welcome statement graphic.
    graphic = page.get_by_role("img", name="Colorful WashU Medicine graphic", exact=False)
    graphic.scroll_into_view_if_needed()
    expect(graphic).to_be_visible()
    assert graphic.evaluate("img => img.complete && img.naturalWidth > 0"), "the welcome graphic did not load"


@pytest.mark.browser
def test_dismissed_notice_stays_hidden_until_its_words_change(site_url, new_page):
    from announcements.models import SiteNotice

    page = new_page()
    page.goto(site_url + "/")
    expect(notice(page, NOTICE_ONE)).to_be_visible()
    expect(notice(page, NOTICE_TWO)).to_be_visible()

    close_button(page, NOTICE_ONE).click()
    expect(notice(page, NOTICE_ONE)).to_be_hidden()
    expect(notice(page, NOTICE_TWO)).to_be_visible()
    # Focus goes to the next notice's close button, not back to the top of the page.
    expect(close_button(page, NOTICE_TWO)).to_be_focused()

    # The choice is remembered on other pages.
    page.goto(site_url + "/offices/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Offices")
    expect(notice(page, NOTICE_ONE)).to_be_hidden()
    expect(notice(page, NOTICE_TWO)).to_be_visible()

    # Closing the last notice moves focus to the main content.
    close_button(page, NOTICE_TWO).click()
    expect(notice(page, NOTICE_TWO)).to_be_hidden()
    expect(page.locator("#main-content")).to_be_focused()
    # No empty "Site notices" landmark is left behind.
    expect(page.get_by_role("region", name="Site notices")).to_have_count(0)
    page.goto(site_url + "/statements/")
    expect(notice(page, NOTICE_ONE)).to_be_hidden()
    expect(notice(page, NOTICE_TWO)).to_be_hidden()
    expect(page.get_by_role("region", name="Site notices")).to_have_count(0)

    # An editor rewords the first notice: it has a new key, so it shows again.
    changed = SiteNotice.objects.get(heading=NOTICE_ONE)
    old_key = changed.dismiss_key
    changed.text = "New dates for the heritage month lecture and more campus news."
    changed.save()
    assert changed.dismiss_key != old_key

    page.goto(site_url + "/offices/")
    expect(notice(page, NOTICE_ONE)).to_be_visible()
    expect(notice(page, NOTICE_ONE)).to_contain_text("New dates for the heritage month lecture")
    expect(close_button(page, NOTICE_ONE)).to_be_visible()
    expect(notice(page, NOTICE_TWO)).to_be_hidden()


@pytest.mark.browser
def test_keyboard_skip_link_and_notice_close_buttons(site_url, new_page):
    page = new_page()
    page.goto(site_url + "/")

    # The first Tab lands on the skip link, which then shows on screen.
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    assert box is not None and box["y"] >= 0 and box["height"] > 0, f"skip link off screen when focused: {box}"
    page.keyboard.press("Enter")
    expect(page.locator("#main-content")).to_be_focused()
    assert page.url.endswith("#main-content")

    # From the top again: both close buttons are in the Tab order, with a visible focus outline.
    page.goto(site_url + "/offices/")
    reached = []
    for _ in range(8):
        page.keyboard.press("Tab")
        reached.append(focused_label(page))
        if reached[-1] == f"Dismiss notice: {NOTICE_TWO}":
            break
    assert reached[0] == "Skip to main content", reached
    assert f"Dismiss notice: {NOTICE_ONE}" in reached, reached
    assert reached[-1] == f"Dismiss notice: {NOTICE_TWO}", reached
    outline = close_button(page, NOTICE_TWO).evaluate("el => getComputedStyle(el).outlineStyle")
    assert outline not in ("", "none"), "a focused close button needs a visible focus indicator"

    # Enter closes the focused notice; focus moves to the other notice's close button.
    page.keyboard.press("Shift+Tab")
    expect(close_button(page, NOTICE_ONE)).to_be_focused()
    page.keyboard.press("Enter")
    expect(notice(page, NOTICE_ONE)).to_be_hidden()
    expect(close_button(page, NOTICE_TWO)).to_be_focused()
    # Space closes the last one; focus moves to the main content.
    page.keyboard.press("Space")
    expect(notice(page, NOTICE_TWO)).to_be_hidden()
    expect(page.locator("#main-content")).to_be_focused()


def describe(url, width, violations):
    lines = []
    for violation in violations:
        lines.append(f"{url} @ {width}px: {violation['id']} ({violation['impact']}): {violation['help']}")
        lines.append(f"    {violation['helpUrl']}")
        for node in violation["nodes"]:
            lines.append(f"    - {node['target']}: {node.get('failureSummary', '').strip()}".replace("\n", " "))
            lines.append(f"      {node['html'][:200]}")
    return lines


@pytest.mark.browser
@pytest.mark.parametrize("width", [375, 1280])
def test_axe_finds_no_violations_on_any_page_type(site_url, new_page, width, django_assert_num_queries):
    page = new_page(viewport={"width": width, "height": 900})
    axe = Axe()
    problems = []
    for path, status in PAGES:
        response = page.goto(site_url + path)
        assert response is not None and response.status == status, f"{path}: HTTP {response and response.status}"
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        if status == 404:  # the site's own friendly page, with the usual header and a way home
            expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
            expect(page.get_by_role("navigation", name="Main")).to_be_visible()
            expect(page.get_by_role("main").get_by_role("link", name="home page")).to_have_attribute("href", "/")
        results = axe.run(page, options=AXE_OPTIONS)
        problems += describe(path, width, results.response["violations"])

    # The server-error page cannot be reached on purpose; render it as Django's
    # server_error view does (it must need no database) and check it in place.
    from django.template.loader import render_to_string

    with django_assert_num_queries(0):
        error_page = render_to_string("500.html")
    page.goto(site_url + "/accessibility/")  # same origin, so its stylesheet address resolves
    page.set_content(error_page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Something went wrong")
    assert page.locator("body").evaluate("b => getComputedStyle(b).fontFamily").startswith('"Liberation Sans"')
    results = axe.run(page, options=AXE_OPTIONS)
    problems += describe("500.html", width, results.response["violations"])
    report = "\n".join(problems)
    print(report)
    assert not problems, "axe-core found accessibility violations:\n" + report


# Elements that stick out past the right edge of the viewport (ignoring the visually
# hidden ones, which are clipped to 1px), and whether the page scrolls sideways.
HORIZONTAL_OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [];
  for (const el of document.body.querySelectorAll('*')) {
    if (!el.checkVisibility({ visibilityProperty: true }) || el.closest('.visually-hidden')) continue;
    const box = el.getBoundingClientRect();
    if (box.width && box.right > width + 1) {
      wide.push(`${el.tagName.toLowerCase()}.${el.className}: right edge ${Math.round(box.right)}px`);
    }
  }
  return { scrolls: document.documentElement.scrollWidth > width, wide: wide.slice(0, 5) };
}"""


@pytest.mark.browser
@pytest.mark.parametrize(
    "viewport, scale, text_zoom",
    [
        ({"width": 320, "height": 640}, 1, False),  # WCAG 1.4.10 reflow: 1280 px at 400 % zoom
        ({"width": 640, "height": 450}, 2, False),  # WCAG 1.4.4: a 1280 px window zoomed to 200 %
        ({"width": 1280, "height": 900}, 1, True),  # WCAG 1.4.4: text alone at 200 % (font size setting)
    ],
    ids=["320px", "200%-zoom", "200%-text"],
)
def test_every_page_type_reflows_without_sideways_scrolling(site_url, new_page, viewport, scale, text_zoom):
    """Browser zoom shrinks the viewport in CSS pixels; at 320 px (400 %) and 640 px (200 %)
    every page type still fits its width: no horizontal scroll bar, nothing cut off. Text
    enlarged on its own (root font size doubled) fits as well."""
    page = new_page(viewport=viewport, device_scale_factor=scale)
    problems = []
    for path, _status in PAGES:
        page.goto(site_url + path)
        if text_zoom:
            # Through the CSSOM, as a user's text-size setting would: the site's CSP blocks
            # injected <style> elements (page.add_style_tag), not script-set styles.
            page.evaluate("document.documentElement.style.setProperty('font-size', '200%', 'important')")
            assert page.evaluate("getComputedStyle(document.documentElement).fontSize") == "32px"
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        result = page.evaluate(HORIZONTAL_OVERFLOW)
        if result["scrolls"] or result["wide"]:
            problems.append(f"{path}: scrolls sideways={result['scrolls']}, too wide: {result['wide']}")
    assert not problems, "\n".join(problems)


# Every element the Tab key should stop at, in document order, each marked with its place
# (data-tab-stop) and described by its accessible name (enough to tell them apart here).
MARK_FOCUSABLE_IN_DOM_ORDER = """() => {
  const name = (el) => (el.getAttribute('aria-label')
    || (el.labels && el.labels.length ? el.labels[0].textContent : '')
    || el.textContent
    || (el.querySelector('img[alt]') || {}).alt
    || el.getAttribute('title') || el.value || '').trim().replace(/\\s+/g, ' ');
  const selector = 'a[href], area[href], button, input, select, textarea, summary, iframe, '
    + '[tabindex], [contenteditable]';
  const stops = [];
  for (const el of document.querySelectorAll(selector)) {
    if (el.matches(':disabled, [tabindex="-1"], input[type="hidden"]') || el.closest('[inert]')) continue;
    if (!el.checkVisibility({ visibilityProperty: true })) continue;
    el.dataset.tabStop = stops.length;
    stops.push([stops.length, name(el)]);
  }
  return stops;
}"""
FOCUSED_STOP = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  return { stop: el.dataset.tabStop === undefined ? null : Number(el.dataset.tabStop),
           html: el.outerHTML.slice(0, 120),
           indicator: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2 };
}"""


@pytest.mark.browser
def test_keyboard_tab_order_on_the_home_page_follows_the_document(site_url, new_page):
    """From the top of the home page, Tab visits the skip link, the notices' links and close
    buttons, the main menu, the search form, every link in the main content and the footer,
    each once, in document order, each with a visible focus indicator."""
    page = new_page(viewport={"width": 1280, "height": 900})
    page.goto(site_url + "/")
    expect(close_button(page, NOTICE_TWO)).to_be_visible()  # the script has added the close buttons
    expected = [tuple(stop) for stop in page.evaluate(MARK_FOCUSABLE_IN_DOM_ORDER)]

    reached, no_indicator = [], []
    for _ in range(len(expected) + 3):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED_STOP)
        if focused is None or (reached and focused["stop"] == reached[0][0]):
            break  # past the last stop, or round again to the first
        assert focused["stop"] is not None, f"Tab reached an element not in the expected list: {focused['html']}"
        reached.append(expected[focused["stop"]])
        if not focused["indicator"]:
            no_indicator.append(focused["html"])
    assert reached == expected, "Tab order differs from the document order"
    assert not no_indicator, f"focused without a visible focus outline: {no_indicator}"

    # The stops the issue names explicitly are all among them.
    def stops(locator):
        return [int(stop) for stop in locator.evaluate_all("els => els.map(el => el.dataset.tabStop)")]

    reached_stops = [stop for stop, _ in reached]
    assert reached[0][1] == "Skip to main content"
    menu_links = page.get_by_role("navigation", name="Main").get_by_role("link")
    close_buttons = page.locator(".site-notice [data-notice-close]")
    main_links = page.locator("#main-content a[href]")
    assert menu_links.count() >= 4 and close_buttons.count() == 2 and main_links.count() >= 10
    for group in (menu_links, close_buttons, main_links):
        group_stops = stops(group)
        assert set(group_stops) <= set(reached_stops)
        assert group_stops == sorted(group_stops)


def pdf_page_count(pdf):
    """The number of pages in a PDF that chromium printed (one /Type /Page object each)."""
    return len(re.findall(rb"/Type\s*/Page(?![A-Za-z])", pdf))


@pytest.mark.browser
@pytest.mark.parametrize("path", ["/statements/deans-commitment/", "/statements/welcome-statement/"])
def test_a_statement_prints_cleanly_on_one_page(site_url, new_page, path):
    page = new_page()
    page.goto(site_url + path)
    expect(page.locator("[data-embed-copy]")).to_be_visible()
    page.emulate_media(media="print")
    # The printout is the statement alone: no menus, notices, search, trail, footer or embed code.
    for hidden in (
        page.get_by_role("link", name="Skip to main content"),
        page.locator(".site-notices"),
        page.get_by_role("navigation", name="Main"),
        page.get_by_role("search"),
        page.get_by_role("navigation", name="Breadcrumb"),
        page.get_by_role("contentinfo"),
        page.locator("[data-embed]"),
    ):
        expect(hidden).to_be_hidden()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.locator(".statement__excerpt")).to_be_visible()
    assert page.locator(".statement__excerpt").evaluate("el => getComputedStyle(el).breakInside") == "avoid"
    for paper in ("Letter", "A4"):
        pdf = page.pdf(format=paper)
        assert pdf.startswith(b"%PDF")
        assert pdf_page_count(pdf) == 1, f"{path} prints on {pdf_page_count(pdf)} {paper} pages"


@pytest.mark.browser
def test_print_shows_where_links_that_leave_the_site_go(site_url, new_page):
    page = new_page()
    page.goto(site_url + "/offices/faculty-affairs/")
    page.emulate_media(media="print")
    external = page.locator("#main-content a[href^='https://']").first
    href = external.get_attribute("href")
    assert external.evaluate("a => getComputedStyle(a, '::after').content") == f'" ({href})"'
    internal = page.locator("#main-content a[href^='/']").first
    if internal.count():
        assert internal.evaluate("a => getComputedStyle(a, '::after').content") in ("none", "normal")
    assert pdf_page_count(page.pdf(format="Letter")) == 1


@pytest.mark.browser
def test_statement_embed_code_can_be_copied(site_url, new_page):
    from bs4 import BeautifulSoup

    from dei_portal.models import StatementPage

    statement = StatementPage.objects.get(slug="welcome-statement")
    page = new_page(permissions=["clipboard-read", "clipboard-write"])
    page.goto(site_url + statement.url)
    section = page.get_by_role("region", name="Post this statement on your website")
    code = section.get_by_role("textbox", name="HTML for your web page")
    expect(code).to_have_attribute("readonly", "")
    snippet = code.input_value()

    # The snippet quotes the excerpt, names who issued it and links to the page's full URL,
    # escaped as HTML ("Equity & Inclusion" is "Equity &amp; Inclusion" in the code).
    assert statement.excerpt in snippet
    assert f'href="{statement.full_url}"' in snippet and statement.full_url.startswith("http")
    assert "Equity &amp; Inclusion" in snippet and "Equity & Inclusion" not in snippet
    parsed = BeautifulSoup(snippet, "html.parser")
    assert parsed.select_one("blockquote p").get_text() == statement.excerpt
    assert parsed.select_one("figcaption a")["href"] == statement.full_url
    assert statement.issued_by in parsed.select_one("figcaption").get_text()

    status = section.get_by_role("status")
    expect(status).to_have_text("")
    section.get_by_role("button", name="Copy the HTML").click()
    expect(status).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == snippet


@pytest.mark.browser
def test_statement_embed_code_can_be_selected_without_javascript(site_url, new_page):
    page = new_page(java_script_enabled=False)
    page.goto(site_url + "/statements/deans-commitment/")
    code = page.get_by_role("textbox", name="HTML for your web page")
    expect(code).to_be_visible()
    # No dead Copy button without the script.
    expect(page.get_by_role("button", name="Copy the HTML")).to_have_count(0)
    code.focus()
    page.keyboard.press("ControlOrMeta+A")
    selected = code.evaluate("el => el.value.slice(el.selectionStart, el.selectionEnd)")
    assert selected == code.input_value() and "The Dean&#x27;s commitment" in selected
