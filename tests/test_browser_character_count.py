"""The admin's character counts, in headless chromium (static/js/admin/character-count.js).

An Editor typing in a limited field sees how many of its characters are used, in the notice form
and in the page editor, including a field of a StreamField block added after the page loaded.
Uses the live server and signed-in editor of tests/browser_fixtures.py. Run with
``pytest -m browser``.
"""

import pytest
from playwright.sync_api import expect


@pytest.mark.browser
def test_limited_fields_count_characters_as_the_editor_types(editor_page, site_url):
    from offices.models import OfficePage

    page = editor_page
    page.goto(f"{site_url}/admin/snippets/announcements/sitenotice/add/")
    counter = page.locator("#id_text-character-count")
    expect(counter).to_have_text("0 of 250 characters")
    page.locator("#id_text").fill("Campus is closed today.")
    expect(counter).to_have_text("23 of 250 characters")
    # Screen readers hear the count with the field.
    assert "id_text-character-count" in page.locator("#id_text").get_attribute("aria-describedby")
    page.locator("#id_heading").fill("x" * 80)
    expect(page.locator("#id_heading-character-count")).to_have_text("80 of 80 characters (the limit)")

    office = OfficePage.objects.live().first()
    page.goto(f"{site_url}/admin/pages/{office.pk}/edit/")
    expect(page.locator("#id_summary-character-count")).to_contain_text(f"{len(office.summary)} of 300 characters")
    # A block added now gets its count too (the heading block's text is limited to 120).
    page.locator("#panel-child-content-body-section").get_by_role("button", name="Insert a block").last.click()
    page.get_by_role("option", name="Heading").click()
    heading = page.locator("#panel-child-content-body-section input[maxlength='120']").last
    heading.fill("Programs")
    counter_id = heading.get_attribute("data-character-count-for")
    expect(page.locator(f"#{counter_id}")).to_have_text("8 of 120 characters")
