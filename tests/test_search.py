"""Site search at /search/: what it finds, how results look, and bad input.

Runs on both databases CI uses: SQLite (FTS5) and PostgreSQL (full-text search, plus
typo-tolerant fuzzy matching when the pg_trgm extension is enabled). What visitors must
never find (drafts, expired and private pages) is tested in test_discoverability.py.
"""

import time

import pytest
from bs4 import BeautifulSoup
from django.core.management import call_command
from django.db import connection
from wagtail.models import Page

from dei_portal.site.search import MAX_QUERY_LENGTH, clean_query
from tests.factories.announcements import AnnouncementPageFactory
from tests.factories.site import StandardPageFactory

postgres_only = pytest.mark.skipif("connection.vendor != 'postgresql'", reason="needs PostgreSQL")


def soup(response):
    return BeautifulSoup(response.content, "html.parser")


def results(response):
    """[(type label, title, href, summary), …] in the order shown."""
    found = []
    for item in soup(response).select("ol.search-results > li"):
        link = item.select_one("h2 a")
        summary = item.select_one(".search-result__summary")
        label = item.select_one(".search-result__type").get_text(" ", strip=True).split(" · ")[0]
        found.append((label, link.get_text(strip=True), link["href"], summary.get_text(strip=True) if summary else ""))
    return found


def titles(response):
    return [title for _, title, _, _ in results(response)]


def status(response):
    return soup(response).select_one("[role=status]").get_text(" ", strip=True)


def search(client, query, **params):
    started = time.perf_counter()
    response = client.get("/search/", {"query": query, **params})
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, response.status_code
    assert elapsed < 1.0, f"{query[:40]!r} took {elapsed:.2f}s"
    return response


@pytest.fixture
def site(tree):
    """The `tree` site with words to find on each page."""
    office, organization = tree["office"], tree["organization"]
    office.summary = "Mentoring and pipeline programs for MD students."
    office.save_revision().publish()
    organization.summary = "A peer mentoring network run by students."
    organization.save_revision().publish()
    statement = tree["statement"]
    statement.summary = "The Dean commits the school to belonging and fairness."
    statement.save_revision().publish()
    standard = tree["standard"]
    standard.summary = "How we make this website usable for everyone."
    standard.save_revision().publish()
    return tree


def test_each_result_has_its_type_title_link_and_summary(client, site):
    found = results(search(client, "mentoring"))
    assert sorted(found) == [
        (
            "Office",
            "Office of Diversity Programs",
            "/offices/office-of-diversity-programs/",
            "Mentoring and pipeline programs for MD students.",
        ),
        ("Organization", "Connections", "/organizations/connections/", "A peer mentoring network run by students."),
    ]


@pytest.mark.parametrize(
    "query, label, title",
    [
        ("pipeline", "Office", "Office of Diversity Programs"),
        ("peer network", "Organization", "Connections"),
        ("belonging", "Statement", "The Dean's commitment"),
        ("lecture", "Announcement", "Lecture on health equity"),
        ("usable", "Page", "Accessibility statement"),
    ],
)
def test_every_searchable_type_is_found_with_its_label(client, site, query, label, title):
    assert [(lbl, t) for lbl, t, _, _ in results(search(client, query))] == [(label, title)]


def test_announcement_results_show_their_date(client, site):
    item = soup(search(client, "lecture")).select_one("ol.search-results .search-result__type")
    assert item.get_text(" ", strip=True) == "Announcement · November 1, 2026"
    assert item.time["datetime"] == "2026-11-01"


def test_statement_without_summary_shows_its_excerpt(client, tree):
    assert results(search(client, "commitment")) == [
        ("Statement", "The Dean's commitment", "/statements/the-deans-commitment/", "We mean it.")
    ]


def test_index_pages_are_not_results(client, site):
    index_urls = {site[key].url for key in ("offices", "organizations", "statements", "announcements")}
    for word in ("Offices", "Organizations", "Statements", "Announcements"):
        hrefs = {href for _, _, href, _ in results(search(client, word))}
        assert not hrefs & index_urls, word


def test_page_has_noindex_heading_labelled_form_and_status(client, site):
    response = search(client, "mentoring")
    page = soup(response)
    assert page.find("meta", attrs={"name": "robots"})["content"] == "noindex"
    assert page.select_one("main h1").get_text(strip=True) == "Search results"
    assert page.title.get_text().startswith("Search results for “mentoring”")
    form = page.select_one("main form[role=search]")
    assert form["action"] == "/search/" and form["method"] == "get"
    field = form.select_one("input[name=query]")
    assert field["value"] == "mentoring"
    assert form.select_one(f"label[for={field['id']}]").get_text(strip=True) == "Search this site"
    assert status(response) == "2 results for “mentoring”."
    assert "search/search_results.html" in [t.name for t in response.templates]


def test_header_search_form_leads_here(client, tree):
    form = soup(client.get("/")).select_one("header form[role=search]")
    assert form["action"] == "/search/"
    assert form.select_one("input")["name"] == "query"


def test_no_match_says_so(client, site):
    response = search(client, "xylophone")
    assert results(response) == []
    assert status(response) == "No pages match “xylophone”. Check the spelling, or try fewer or more general words."


@pytest.mark.parametrize("query", ["", "   ", "\t\n"])
def test_empty_query_shows_the_form_and_a_prompt(client, site, query):
    response = search(client, query)
    page = soup(response)
    assert page.select_one("main h1").get_text(strip=True) == "Search"
    assert page.select_one("main input[name=query]")["value"] == ""
    assert "Type a word or two above" in page.select_one("main").get_text()
    assert page.select_one("ol.search-results") is None
    assert status(response) == ""


def test_search_without_a_query_parameter(client, site):
    response = client.get("/search/")
    assert response.status_code == 200
    assert soup(response).select_one("ol.search-results") is None


def test_all_words_must_match_before_any_word_does(client, site):
    """Without close matches (SQLite, or PostgreSQL without pg_trgm), some words will do."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("DROP EXTENSION IF EXISTS pg_trgm")  # undone with the test's transaction
    assert titles(search(client, "mentoring students peer")) == ["Connections"]
    response = search(client, "mentoring xylophone")
    assert sorted(titles(response)) == ["Connections", "Office of Diversity Programs"]
    assert "No page contains all of those words, so these pages contain some of them." in status(response)


def test_case_does_not_matter(client, site):
    assert titles(search(client, "MENTORING peer")) == ["Connections"]


@pytest.fixture
def many(tree):
    for n in range(1, 24):
        AnnouncementPageFactory(
            parent=tree["announcements"], title=f"Scholarship round {n:02d}", summary="Apply for a scholarship."
        )
    return tree


def test_results_are_paginated_ten_to_a_page(client, many):
    first = search(client, "scholarship")
    assert len(results(first)) == 10
    assert status(first) == "23 results for “scholarship”, page 1 of 3."
    nav = soup(first).select_one("nav.pagination[aria-label='Pages of search results']")
    assert nav.select_one("a[rel=next]")["href"] == "?query=scholarship&page=2"
    assert nav.select_one("a[rel=prev]") is None
    second = search(client, "scholarship", page=2)
    third = search(client, "scholarship", page=3)
    assert len(results(second)) == 10 and len(results(third)) == 3
    assert soup(third).select_one("ol.search-results")["start"] == "21"
    everything = titles(first) + titles(second) + titles(third)
    assert sorted(everything) == [f"Scholarship round {n:02d}" for n in range(1, 24)]


def test_pagination_links_keep_the_query_encoded(client, many):
    response = search(client, "scholarship & round")
    assert soup(response).select_one("a[rel=next]")["href"] == "?query=scholarship+%26+round&page=2"


def test_page_numbers_out_of_range_or_not_numbers_show_the_nearest_page(client, many):
    """Decision: clamp (as the announcements list does), never 404 or 500."""
    for number, shown in [("999", 3), ("9" * 500, 3), ("abc", 1), ("-1", 1), ("0", 1), ("2.5", 1), ("", 1), ("1e3", 1)]:
        response = search(client, "scholarship", page=number)
        assert f"page {shown} of 3" in status(response), number
        assert len(results(response)) == (3 if shown == 3 else 10), number


def test_a_very_long_query_is_shortened_and_says_so(client, site):
    response = search(client, "mentoring " + "x" * 10_000)
    page = soup(response)
    assert "Your search was too long, so only its first 200 characters were used." in page.select_one("main").get_text()
    assert len(page.select_one("main input[name=query]")["value"]) == MAX_QUERY_LENGTH
    # The words that survive are still searched ("mentoring" and a 190-letter word, so the any-word fallback).
    assert sorted(titles(response)) == ["Connections", "Office of Diversity Programs"]


def test_a_long_query_of_many_words_is_fast(client, site):
    search(client, " ".join(["mentoring"] * 2000))
    search(client, " ".join(f"w{n}" for n in range(3000)))


HOSTILE = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'; DROP TABLE wagtailcore_page; --",
    '" OR 1=1 --',
    "mentoring' OR '1'='1",
    "1; SELECT pg_sleep(5)",
    "NEAR(mentoring peer)",
    "title:mentoring*",
    "mentoring AND OR NOT",
    '"unterminated',
    "(((",
    "&|!:*<->",
    "100%",
    "back\\slash",
    "nul\x00byte",
    "\u202eright-to-left",
    "emoji 🎓 mentoring",
    "{{ 7*7 }} {% debug %}",
]


def test_markup_sql_and_query_syntax_are_harmless(client, site):
    pages = Page.objects.count()
    for query in HOSTILE:
        response = search(client, query)
        html = response.content.decode()
        assert "<script>alert(1)" not in html and "<img src=x" not in html, query
        assert "49" not in status(response), query  # the template language is not evaluated
        field = soup(response).select_one("main input[name=query]")
        assert field["value"] == clean_query(query)[0], query  # shown back exactly, escaped in the HTML
    assert Page.objects.count() == pages
    # …and search still works afterwards (no broken transaction or connection).
    assert sorted(titles(search(client, "mentoring"))) == ["Connections", "Office of Diversity Programs"]


def test_query_with_markup_is_shown_escaped(client, site):
    html = search(client, "<b>mentoring</b>").content.decode()
    assert "&lt;b&gt;mentoring&lt;/b&gt;" in html
    assert "<b>mentoring</b>" not in html


def test_words_inside_punctuation_are_still_found(client, site):
    assert sorted(titles(search(client, '"mentoring"'))) == ["Connections", "Office of Diversity Programs"]
    assert titles(search(client, "(peer-network)")) == ["Connections"]


def test_clean_query():
    assert clean_query("  health\x00 equity\n") == ("health equity", ["health", "equity"], False)
    assert clean_query("don't; DROP--") == ("don't; DROP--", ["don", "t", "DROP"], False)
    text, words, truncated = clean_query("a " * 200)
    assert truncated and len(text) <= MAX_QUERY_LENGTH and len(words) == 32


# --- Indexing -----------------------------------------------------------------------


def test_pages_are_indexed_when_published_without_update_index(client, tree):
    page = StandardPageFactory(
        parent=tree["home"], title="Parking permits", live=False, summary="Where to park near the medical campus."
    )
    assert titles(search(client, "parking")) == []
    page.save_revision().publish()
    assert titles(search(client, "parking")) == ["Parking permits"]


def test_published_edits_replace_old_words_and_deleted_pages_leave(client, tree):
    page = tree["standard"]
    page.summary = "Captions on every video."
    page.save_revision().publish()
    assert titles(search(client, "captions")) == ["Accessibility statement"]
    page.summary = "Transcripts for every podcast."
    page.save_revision().publish()
    assert titles(search(client, "captions")) == []
    assert titles(search(client, "transcripts")) == ["Accessibility statement"]
    page.delete()
    assert titles(search(client, "transcripts")) == []


def test_update_index_rebuilds_the_same_results(client, site):
    before = results(search(client, "mentoring"))
    call_command("update_index", stdout=open("/dev/null", "w"), stderr=open("/dev/null", "w"))
    assert results(search(client, "mentoring")) == before


# --- Typos: fuzzy matching where the backend offers it ------------------------------


def test_without_fuzzy_support_a_typo_is_corrected_and_nonsense_finds_nothing(client, site):
    """SQLite's backend has no fuzzy search, nor PostgreSQL's without pg_trgm: the typo is
    corrected from the site's own words (tests/test_search_typos.py), and a word close to
    none of them gets a clear empty page."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("DROP EXTENSION IF EXISTS pg_trgm")  # undone with the test's transaction
    response = search(client, "mentorng")
    assert sorted(titles(response)) == ["Connections", "Office of Diversity Programs"]
    assert "Showing results for mentoring" in status(response)
    response = search(client, "zxqvbnm")
    assert results(response) == []
    assert "No pages match “zxqvbnm”" in status(response)


@postgres_only
def test_the_migrations_enable_trigrams_on_postgresql(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        assert cursor.fetchone() is not None, "migration 0006 should create the pg_trgm extension"


@postgres_only
def test_a_typo_finds_close_matches_on_postgresql_with_trigrams(client, site):
    """No set-up: the migrations enabled pg_trgm."""
    response = search(client, "mentorng")
    assert sorted(titles(response)) == ["Connections", "Office of Diversity Programs"]
    assert "No page contains exactly those words, so these are close matches." in status(response)
    assert titles(search(client, "acessibility")) == ["Accessibility statement"]
    # Close, not loose: "captions" shares too few trigrams with "connections" to count.
    assert titles(search(client, "captions")) == []
    # Close matches still respect the rules: no index pages, nothing hidden.
    assert titles(search(client, "anouncements")) == []


@postgres_only
def test_postgresql_matches_word_forms(client, site):
    """Full-text search stems English words: "programmes"/"program" find "programs"."""
    assert titles(search(client, "program")) == ["Office of Diversity Programs"]
    assert titles(search(client, "lectures")) == ["Lecture on health equity"]
