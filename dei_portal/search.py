"""Site search at /search/, and the one rule for what visitors may find anywhere.

``discoverable()`` is the rule search, the announcement feeds and the sitemap
(``DiscoverableSitemap``) share: live, public (no view restriction on
the page or an ancestor) and not past its expiry time, even before the scheduled
publishing job has unpublished it.

Searching runs in up to three steps, stopping at the first that finds something:

1. every word (full-text: PostgreSQL matches English word forms, "lectures" finds
   "lecture"; SQLite's FTS5 matches whole words, ignoring case and accents);
2. close matches, for typos: Wagtail's ``Fuzzy`` query. Only the PostgreSQL backend
   supports it, with the ``pg_trgm`` extension (migration 0006 enables it); without
   it this step is skipped, never an error;
3. any of the words.
"""

import logging
import re

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db import NotSupportedError, connection, transaction
from django.db.models import Exists, OuterRef
from django.db.models.functions import Length, Substr
from django.shortcuts import render
from django.utils import timezone
from wagtail.contrib.sitemaps import Sitemap
from wagtail.models import Page, PageViewRestriction
from wagtail.search.query import Fuzzy

logger = logging.getLogger(__name__)

MAX_QUERY_LENGTH = 200  # characters of the query that are searched; the rest is dropped (and we say so)
MAX_TERMS = 32  # words searched, at most
PER_PAGE = 10

# Words only: punctuation, quotes and operators never reach the search backend's query syntax.
WORD = re.compile(r"[^\W_]+")
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


def discoverable(queryset):
    """Pages a visitor may find: live, public and not past expiry.

    Expiry is checked through ``id`` (a FilterField on every page), so the result can
    still be searched: the search backends only filter on indexed FilterFields.
    """
    expired = Page.objects.filter(expire_at__lte=timezone.now()).values("id")
    # Wagtail's .public() runs a query of its own for every call; this subquery says the
    # same in the one query: no view restriction on the page or an ancestor (a page
    # whose tree path starts with the restricted page's path).
    # (Through ``id``, as expiry is, so search backends can filter on it.)
    restriction = PageViewRestriction.objects.filter(page__path=Substr(OuterRef("path"), 1, Length("page__path")))
    private = Page.objects.filter(Exists(restriction)).values("id")
    return queryset.live().exclude(id__in=private).exclude(id__in=expired)


def searchable_types():
    """The page types search returns, each with the label shown on its results."""
    from announcements.models import AnnouncementPage
    from dei_portal.models import HomePage, StandardPage, StatementPage
    from offices.models import OfficePage, OrganizationPage

    return {
        OfficePage: "Office",
        OrganizationPage: "Organization",
        StatementPage: "Statement",
        AnnouncementPage: "Announcement",
        StandardPage: "Page",
        HomePage: "Page",
    }


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


def search_pages(words):
    """(results, how they matched): "all", "fuzzy", "any" or "none"."""
    pages = discoverable(Page.objects.type(*searchable_types()))
    text = " ".join(words)
    results = _evaluated(pages.search(text, operator="and"))
    if results is not None:
        return results, "all"
    if trigram_available():
        results = _evaluated(pages.search(Fuzzy(text)))
        if results is not None:
            return results, "fuzzy"
    if len(words) > 1:
        results = _evaluated(pages.search(text, operator="or"))
        if results is not None:
            return results, "any"
    return pages.none(), "none"


def result_summary(page):
    return getattr(page, "summary", "") or page.search_description or getattr(page, "excerpt", "")


def search(request):
    query, words, truncated = clean_query(request.GET.get("query", ""))
    context = {"search_query": query, "truncated": truncated, "max_query_length": MAX_QUERY_LENGTH}
    if query:
        results, matched = search_pages(words) if words else (Page.objects.none(), "none")
        paginator = Paginator(results, PER_PAGE)
        number = request.GET.get("page", 1)
        try:
            page_obj = paginator.page(number)
        except PageNotAnInteger:
            page_obj = paginator.page(1)
        except EmptyPage:
            # Past the end (or below 1): the nearest real page, as the announcement listing does.
            page_obj = paginator.page(paginator.num_pages if _is_positive(number) else 1)
        # One query per page type for the specific pages (summaries, dates), in result order.
        ids = [result.pk for result in page_obj]
        specific = Page.objects.filter(pk__in=ids).specific().in_bulk()
        labels = searchable_types()
        items = [
            {
                "page": page,
                "label": labels.get(type(page), "Page"),
                "summary": result_summary(page),
                "url": page.get_url(request),
            }
            for page in (specific.get(pk) for pk in ids)
            if page is not None
        ]
        context.update(results=page_obj, items=items, matched=matched, result_count=paginator.count)
    return render(request, "search/search_results.html", context)


def _is_positive(number):
    try:
        return int(number) >= 1
    except (TypeError, ValueError):
        return False


class DiscoverableSitemap(Sitemap):
    """Wagtail's sitemap, without pages past their expiry time that the scheduled
    publishing job has not unpublished yet."""

    def items(self):
        return discoverable(super().items())
