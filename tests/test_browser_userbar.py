"""The userbar's accessibility checker, run by a signed-in editor in headless chromium.

A red badge on the userbar must always mean something in the editor's own content: on every
demo page type, the site's own chrome (skip link, header, notices, footer) gives it nothing to
report. ``editor_page`` and ``site_url`` (the live server with the demo content) are
tests/browser_fixtures.py's. Run with ``pytest -m browser``.
"""

import pytest

# One URL for every page type in the demo content (as in tests/test_browser.py), and search.
PAGES = [
    "/",
    "/offices/",
    "/offices/faculty-affairs/",
    "/organizations/",
    "/organizations/wumma/",
    "/statements/",
    "/statements/deans-commitment/",
    "/statements/welcome-statement/",
    "/announcements/",
    "/announcements/heritage-month-lecture/",
    "/accessibility/",
    "/search/?query=office",
]


def checker_results(page):
    """The count the userbar's checker shows once axe has run, and the names of its issues."""
    count = page.locator("wagtail-userbar [data-content-checker-count]").first
    page.wait_for_function(
        "() => { const root = document.querySelector('wagtail-userbar')?.shadowRoot;"
        " const el = root && root.querySelector('[data-content-checker-count]');"
        " return el && el.textContent.trim() !== ''; }"
    )
    names = page.locator("wagtail-userbar [data-content-checker-name]").all_text_contents()
    return int(count.text_content()), names


@pytest.mark.browser
@pytest.mark.parametrize("path", PAGES)
def test_userbar_checker_finds_nothing_in_the_sites_own_chrome(editor_page, site_url, path):
    response = editor_page.goto(f"{site_url}{path}")
    assert response.status == 200
    count, names = checker_results(editor_page)
    assert count == 0, names


@pytest.mark.browser
def test_userbar_checker_still_reports_the_editors_own_mistakes(editor_page, site_url):
    """Positive control: a heading that skips levels in the editor's body is counted."""
    from wagtail.models import Site

    from dei_portal.models import StandardPage

    home = Site.objects.get(is_default_site=True).root_page
    page = home.add_child(
        instance=StandardPage(
            title="Skipped levels", slug="skipped-levels", body=[("heading", {"text": "Too deep", "level": "h4"})]
        )
    )
    response = editor_page.goto(f"{site_url}{page.url}")
    assert response.status == 200
    count, names = checker_results(editor_page)
    assert count == 1 and names == ["Incorrect heading hierarchy"], names
