"""Typo-tolerant search without pg_trgm (dei_portal/site/search.py, issue 11 item 7).

On SQLite (``make run``'s database) Wagtail's backend has no fuzzy search: a word no
discoverable page contains is corrected to the closest word one does, and the page says
"Showing results for …". On PostgreSQL, pg_trgm's close matches do the same job; the
``no_trigrams`` fixture drops the extension (undone with the test's transaction), so the
correction is tested on both databases CI runs.

Every search here is a real GET of /search/.
"""

import pytest
from bs4 import BeautifulSoup
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from wagtail.models import PageViewRestriction

from dei_portal.site import search as site_search
from tests.factories.site import StandardPageFactory

MISSPELLINGS = [
    ("internatonal", "international", "Office for International Students and Scholars"),
    ("scholarhsip", "scholars", "Office for International Students and Scholars"),
    ("acessibility", "accessibility", "Accessibility statement"),
]


@pytest.fixture
def no_trigrams(db):
    """The backend without fuzzy search: SQLite always; PostgreSQL once pg_trgm is gone."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("DROP EXTENSION IF EXISTS pg_trgm")
    assert not site_search.trigram_available()


def get(client, query):
    response = client.get("/search/", {"query": query})
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser")


def titles(page):
    return [link.get_text(strip=True) for link in page.select("ol.search-results h2 a")]


def status(page):
    return page.select_one("[role=status]").get_text(" ", strip=True)


def correction(page):
    """(the words the results are for, where its link goes), or None."""
    shown = page.select_one("[role=status] .search-correction")
    if shown is None:
        return None
    link = shown.select_one("a")
    return link.get_text(strip=True), link["href"]


# --- the demo content's misspellings -------------------------------------------------------


def test_misspellings_find_the_right_demo_pages_and_say_what_was_searched(client, demo, no_trigrams):
    for typo, word, title in MISSPELLINGS:
        page = get(client, typo)
        assert title in titles(page), typo
        assert correction(page) == (word, f"/search/?query={word}"), typo
        assert f"Showing results for {word}" in status(page)
        assert f"No page contains “{typo}”" in status(page)
        # The correction's link runs the corrected search: the same pages, no correction needed.
        again = get(client, word)
        assert titles(again) == titles(page) and correction(again) is None


def test_a_misspelt_word_among_right_ones_is_corrected_alone(client, demo, no_trigrams):
    page = get(client, "internatonal students")
    assert titles(page) == ["Office for International Students and Scholars"]
    assert correction(page)[0] == "international students"


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="needs PostgreSQL")
def test_postgresql_with_trigrams_finds_them_as_before(client, demo):
    """pg_trgm's close matches, unchanged: no correction step on PostgreSQL."""
    for typo, _word, title in MISSPELLINGS[::2]:  # "scholarhsip" shares too few trigrams there
        page = get(client, typo)
        assert title in titles(page) and correction(page) is None, typo
        assert "close matches" in status(page)


@pytest.mark.parametrize("query", ["zxqvbnm", "qwertyuiop", "blorptangle", "12345678"])
def test_nonsense_gets_no_suggestion(client, demo, no_trigrams, query):
    page = get(client, query)
    assert titles(page) == [] and correction(page) is None
    assert f"No pages match “{query}”" in status(page)


def test_words_already_on_the_site_and_short_words_are_never_corrected(client, demo, no_trigrams):
    assert correction(get(client, "office")) is None
    assert site_search.corrected_words(["MDs"]) is None  # under 4 letters: too many neighbours
    assert site_search.corrected_words(["Office", "internatonal"]) == ["Office", "international"]


# --- only discoverable pages' words ------------------------------------------------------------


def test_draft_private_and_expired_pages_words_are_never_suggested(client, home, no_trigrams):
    """Each page holds one unusual word; only the public, live one's may be suggested.
    The vocabulary itself is checked too: a correction is only shown when it finds
    pages, so the search page alone could hide a leak."""
    StandardPageFactory(parent=home, title="Pangolin", summary="Public and live.")  # the positive control
    StandardPageFactory(parent=home, title="Quokka", summary="Never published.", live=False)
    private = StandardPageFactory(parent=home, title="Narwhal", summary="Members only.")
    PageViewRestriction.objects.create(page=private, restriction_type=PageViewRestriction.LOGIN)
    StandardPageFactory(
        parent=home,
        title="Platypus",
        summary="Expired, not yet unpublished.",
        expire_at=timezone.now() - timezone.timedelta(minutes=1),
    )
    drafted = StandardPageFactory(parent=home, title="Meeting notes", summary="Live words.")
    drafted.title = "Wombat"
    drafted.save_revision()  # a draft: not what visitors see

    words = site_search.vocabulary()
    assert "pangolin" in words
    assert not {"quokka", "narwhal", "platypus", "wombat"} & set(words)
    assert titles(get(client, "pangolni")) == ["Pangolin"]
    for typo in ["quoka", "narwhl", "platypsu", "wombta"]:
        page = get(client, typo)
        assert titles(page) == [] and correction(page) is None, typo


# --- fresh after every change ----------------------------------------------------------------


def test_a_published_pages_words_are_suggested_at_once_and_leave_with_it(client, home, no_trigrams):
    StandardPageFactory(parent=home, title="Mentoring", summary="Peer mentoring.")
    assert correction(get(client, "xylophnoe")) is None  # the vocabulary is now built and cached

    page = StandardPageFactory(parent=home, title="Draft", summary="Soon.", live=False)
    page.title, page.summary = "Xylophone ensemble", "Music for everyone."
    page.save_revision().publish()
    found = get(client, "xylophnoe")
    assert titles(found) == ["Xylophone ensemble"] and correction(found)[0] == "xylophone"

    page.refresh_from_db()  # (publish() worked on the revision's copy)
    page.unpublish()
    assert "xylophone" not in site_search.vocabulary()
    assert correction(get(client, "xylophnoe")) is None


def real_queries(context):
    """The queries, without the savepoints around each search (BEGIN/COMMIT, SAVEPOINT/RELEASE)."""
    return [
        q["sql"]
        for q in context.captured_queries
        if "SAVEPOINT" not in q["sql"] and q["sql"] not in ("BEGIN", "COMMIT")
    ]


def reads_vocabulary(sql):
    return sql.startswith(('SELECT "wagtailsearch_indexentry"."title', 'SELECT "wagtailsearch_indexentry"."body'))


def test_the_vocabulary_is_built_once_per_content_generation(client, demo, no_trigrams):
    with CaptureQueriesContext(connection) as cold:
        get(client, "internatonal")  # builds it
    with CaptureQueriesContext(connection) as warm:
        get(client, "internatonal")
    with CaptureQueriesContext(connection) as plain:
        get(client, "international")
    assert sum(map(reads_vocabulary, real_queries(cold))) == 1
    # Warm, a corrected search costs the one search that found nothing (and on PostgreSQL
    # the look for pg_trgm that any search finding nothing makes), no more.
    assert not any(map(reads_vocabulary, real_queries(warm)))
    extension_check = 1 if connection.vendor == "postgresql" else 0
    assert len(real_queries(warm)) == len(real_queries(plain)) + 1 + extension_check
