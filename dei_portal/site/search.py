"""Site search at /search/, over every searchable page type of the content apps.

It finds only what ``discoverable()`` allows (dei_portal/core/visibility.py, the rule the feeds,
the sitemap and the listings share): live, public and not past its expiry time. Each result
shows its page type's ``search_label``.

Searching runs in up to three steps, stopping at the first that finds something:

1. every word (full-text: PostgreSQL matches English word forms, "lectures" finds
   "lecture"; SQLite's FTS5 matches whole words, ignoring case and accents);
2. close matches, for typos: Wagtail's ``Fuzzy`` query. Only the PostgreSQL backend
   supports it, with the ``pg_trgm`` extension (migration 0006 enables it). Without it
   (SQLite, ``make run``'s database) the typos are corrected instead: each word that no
   discoverable page contains is replaced by the closest word that one does (see
   ``vocabulary()``), and the corrected words are searched as in step 1. The page then
   says "Showing results for …". A correction is only ever offered when it finds pages;
3. any of the words.
"""

import logging
import re
from collections import Counter
from difflib import SequenceMatcher

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache as django_cache
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db import NotSupportedError, connection, transaction
from django.db.models import CharField, DateField, F, TextField, Value
from django.db.models.functions import Cast
from django.shortcuts import render
from wagtail.models import Page
from wagtail.search.models import IndexEntry
from wagtail.search.query import Fuzzy

from announcements.models import AnnouncementPage
from dei_portal.core import cache as content_cache
from dei_portal.core import memo
from dei_portal.core.visibility import discoverable
from dei_portal.site.models import HomePage, StandardPage
from dei_portal.statements.models import StatementPage
from offices.models import OfficePage, OrganizationPage

# The logger keeps the name it had before the module moved into dei_portal/site/ (log filters).
logger = logging.getLogger("dei_portal.search")

MAX_QUERY_LENGTH = 200  # characters of the query that are searched; the rest is dropped (and we say so)
MAX_TERMS = 32  # words searched, at most
PER_PAGE = 10

# Words only: punctuation, quotes and operators never reach the search backend's query syntax.
WORD = re.compile(r"[^\W_]+")
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


# The page types search returns, in this order; each result shows its type's ``search_label``.
SEARCHABLE_TYPES = (OfficePage, OrganizationPage, StatementPage, AnnouncementPage, StandardPage, HomePage)


def searchable_types():
    """The page types search returns, each with the label shown on its results."""
    return {model: model.search_label for model in SEARCHABLE_TYPES}


def clean_query(raw):
    """(query shown to the visitor, words searched, whether the query was shortened)."""
    text = " ".join(CONTROL_CHARACTERS.sub(" ", raw).split())
    truncated = len(text) > MAX_QUERY_LENGTH
    if truncated:
        text = text[:MAX_QUERY_LENGTH].rstrip()
    return text, WORD.findall(text)[:MAX_TERMS], truncated


def trigram_available():
    """True when fuzzy search can run: PostgreSQL with the pg_trgm extension enabled."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        return cursor.fetchone() is not None


def _evaluated(results):
    """``results`` with its count known, or None when the backend refused the query.

    A savepoint keeps a refused query from breaking the surrounding transaction.
    """
    try:
        with transaction.atomic():
            return results if results.count() else None
    except (NotSupportedError, NotImplementedError):
        logger.warning("The search backend refused a query", exc_info=True)
        return None


# Typo correction without pg_trgm: which words may be corrected, and how close is close.
MIN_CORRECTED_LENGTH = 4  # shorter words ("MD", "art") have too many near neighbours
CORRECTION_CUTOFF = 0.8  # difflib's ratio: one slip in a word of 5+ letters, e.g. "acessibility"
VOCABULARY_KEY = "dei:search-vocabulary"


def _vocabulary_from_index():
    """{word: number of discoverable pages whose indexed text contains it}.

    Read from the search index itself (titles, summaries and body text, as the backend
    searches them), one query, only for discoverable pages of the searchable types: a
    draft's or a private page's words are never in it.
    """
    models = list(searchable_types())
    content_types = ContentType.objects.get_for_models(*models, for_concrete_models=False).values()
    ids = discoverable(Page.objects.type(*models)).annotate(text_id=Cast("id", CharField())).values("text_id")
    names = {field.name for field in IndexEntry._meta.get_fields()}
    # PostgreSQL keeps the plain text beside its search vectors; SQLite (and MySQL) store it as is.
    columns = ["title_text", "body_text"] if "title_text" in names else ["title", "body"]
    rows = IndexEntry.objects.filter(content_type__in=content_types, object_id__in=ids).values_list(*columns)
    counts = Counter()
    for row in rows:
        counts.update({word.lower() for text in row if text for word in WORD.findall(text) if not word.isdigit()})
    return dict(counts)


def vocabulary():
    """The discoverable pages' words, built once per content generation (dei_portal/core/cache.py).

    Every change a visitor could see moves the generation on, so the next search after a
    publish builds it afresh; and it is kept no longer than the next scheduled expiry, so
    a page that expires by the clock takes its words with it. Without a usable cache
    (Redis down) it is built for each search that needs it: slower, never wrong.
    """
    generation = content_cache.generation()
    if generation is None:
        return _vocabulary_from_index()
    stored = django_cache.get(VOCABULARY_KEY)
    if stored is not None and stored[0] == generation:
        return stored[1]
    words = _vocabulary_from_index()
    timeout = content_cache.seconds_until_next_change(settings.PAGE_CACHE_SECONDS)
    django_cache.set(VOCABULARY_KEY, (generation, words), timeout)
    return words


def closest_word(word, words):
    """The word of ``words`` closest to ``word`` (difflib's ratio ≥ CORRECTION_CUTOFF), or None.

    Only words of a length that could reach the cutoff are compared: a ratio of 2·M/(a+b)
    ≥ 0.8 needs the shorter word to be at least 2/3 of the longer. Ties go to the word
    more pages contain, then to alphabetical order, so the answer never depends on the
    order the database returned the pages in.
    """
    matcher = SequenceMatcher(autojunk=False)
    matcher.set_seq2(word)  # SequenceMatcher caches what it learns about its second sequence
    best, best_key = None, None
    for candidate, pages in words.items():
        if 3 * min(len(word), len(candidate)) < 2 * max(len(word), len(candidate)):
            continue
        matcher.set_seq1(candidate)
        if matcher.real_quick_ratio() < CORRECTION_CUTOFF or matcher.quick_ratio() < CORRECTION_CUTOFF:
            continue
        ratio = matcher.ratio()
        if ratio < CORRECTION_CUTOFF:
            continue
        key = (ratio, pages)
        if best_key is None or key > best_key or (key == best_key and candidate < best):
            best, best_key = candidate, key
    return best


def corrected_words(words):
    """``words`` with each one no discoverable page contains replaced by its closest word,
    or None when nothing could be corrected."""
    known = vocabulary()
    corrected, changed = [], False
    for word in words:
        lower = word.lower()
        replacement = None
        if len(lower) >= MIN_CORRECTED_LENGTH and not lower.isdigit() and lower not in known:
            replacement = closest_word(lower, known)
        corrected.append(replacement or word)
        changed = changed or replacement is not None
    return corrected if changed else None


def search_pages(words):
    """(results, how they matched, the corrected words or None).

    How they matched: "all", "fuzzy", "corrected" (all the corrected words), "any" or "none".
    """
    pages = discoverable(Page.objects.type(*searchable_types()), for_search=True)
    text = " ".join(words)
    results = _evaluated(pages.search(text, operator="and"))
    if results is not None:
        return results, "all", None
    if trigram_available():
        results = _evaluated(pages.search(Fuzzy(text)))
        if results is not None:
            return results, "fuzzy", None
    else:
        correction = corrected_words(words)
        if correction:
            results = _evaluated(pages.search(" ".join(correction), operator="and"))
            if results is not None:
                return results, "corrected", correction
    if len(words) > 1:
        results = _evaluated(pages.search(text, operator="or"))
        if results is not None:
            return results, "any", None
    return pages.none(), "none", None


def result_details(ids):
    """{page id: (summary, excerpt, date)} for search results of any searchable type.

    One UNION query over the page types' own tables (the fields live there), instead of
    Wagtail's specific pages, which take a query per type present in the results.
    """
    queries = []
    for model in searchable_types():
        names = {field.name for field in model._meta.get_fields()}
        queries.append(
            model.objects.filter(pk__in=ids)
            .order_by()
            .annotate(
                # Typed, so PostgreSQL can match the columns of the UNION.
                result_excerpt=F("excerpt") if "excerpt" in names else Cast(Value(""), TextField()),
                result_date=F("date") if "date" in names else Cast(Value(None), DateField()),
            )
            .values_list("pk", "summary", "result_excerpt", "result_date")
        )
    rows = queries[0].union(*queries[1:], all=True) if ids else []
    return {pk: (summary or "", excerpt or "", date) for pk, summary, excerpt, date in rows}


def search(request):
    query, words, truncated = clean_query(request.GET.get("query", ""))
    context = {"search_query": query, "truncated": truncated, "max_query_length": MAX_QUERY_LENGTH}
    if query:
        number = request.GET.get("page", 1)
        # The same words and page give the same results for the content generation: kept in
        # the process (dei_portal.core.memo), each such search runs its queries once.
        page_obj, matched, correction, count, details = memo.get(
            ("search", tuple(words), str(number)), lambda: _results_page(words, number)
        )
        labels = searchable_types()
        items = []
        for page in page_obj:
            summary, excerpt, date = details.get(page.pk, ("", "", None))
            items.append(
                {
                    "page": page,
                    "label": labels.get(page.specific_class, "Page"),
                    "summary": summary or page.search_description or excerpt,
                    "date": date,
                    "url": page.get_url(request),
                }
            )
        context.update(
            results=page_obj,
            items=items,
            matched=matched,
            result_count=count,
            corrected_query=" ".join(correction) if correction else "",
        )
    return render(request, "search/search_results.html", context)


def _results_page(words, number):
    """(the page of results, how they matched, the correction, the count, each result's
    summary, excerpt and date), evaluated."""
    results, matched, correction = search_pages(words) if words else (Page.objects.none(), "none", None)
    paginator = Paginator(results, PER_PAGE)
    try:
        page_obj = paginator.page(number)
    except PageNotAnInteger:
        page_obj = paginator.page(1)
    except EmptyPage:
        # Past the end (or below 1): the nearest real page, as the announcement listing does.
        page_obj = paginator.page(paginator.num_pages if _is_positive(number) else 1)
    page_obj.object_list = list(page_obj.object_list)
    # The summaries and dates of this page of results, in one query whatever mix of types.
    details = result_details([result.pk for result in page_obj])
    return page_obj, matched, correction, paginator.count, details


def _is_positive(number):
    try:
        return int(number) >= 1
    except (TypeError, ValueError):
        return False
