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
from django.db.models import DateField, Exists, F, Max, OuterRef, Q, TextField, Value
from django.db.models.functions import Cast, Length, Substr
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


def discoverable(queryset, for_search=False):
    """Pages a visitor may find: live, public and not past expiry.

    Public means no view restriction on the page or an ancestor: no restriction whose
    page's tree path starts this page's path. (Wagtail's ``.public()`` says the same but
    runs a query of its own on every call.)

    ``for_search=True`` states both rules through ``id`` (a FilterField on every page), so
    the result can still be searched: search backends only filter on indexed
    FilterFields. Elsewhere they are plain conditions on each row, which the database
    checks only for the rows the query is about anyway.
    """
    now = timezone.now()
    restriction = PageViewRestriction.objects.filter(page__path=Substr(OuterRef("path"), 1, Length("page__path")))
    if for_search:
        private = Page.objects.filter(Exists(restriction)).values("id")
        expired = Page.objects.filter(expire_at__lte=now).values("id")
        return queryset.live().exclude(id__in=private).exclude(id__in=expired)
    return (
        queryset.live()
        .filter(Q(expire_at__isnull=True) | Q(expire_at__gt=now))
        .exclude(Exists(restriction))
    )


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
    pages = discoverable(Page.objects.type(*searchable_types()), for_search=True)
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
        # The summaries and dates of this page of results, in one query whatever mix of types.
        details = result_details([result.pk for result in page_obj])
        labels = searchable_types()
        items = []
        for page in page_obj:
            summary, excerpt, date = details.get(page.pk, ("", "", None))
            items.append({
                "page": page,
                "label": labels.get(page.specific_class, "Page"),
                "summary": summary or page.search_description or excerpt,
                "date": date,
                "url": page.get_url(request),
            })
        context.update(results=page_obj, items=items, matched=matched, result_count=paginator.count)
    return render(request, "search/search_results.html", context)


def _is_positive(number):
    try:
        return int(number) >= 1
    except (TypeError, ValueError):
        return False


class DiscoverableSitemap(Sitemap):
    """Wagtail's sitemap of discoverable pages (so also without pages past their expiry
    time that the scheduled publishing job has not unpublished yet).

    Generic pages, not specific ones: no page type here changes ``get_sitemap_urls``, and
    Wagtail's specific pages would cost a query per 2,000 pages per type. /sitemap.xml is
    an index of sitemap pages of ``limit`` URLs each (/sitemap-pages.xml?p=N), so no
    response grows with the site.
    """

    limit = 500

    def get_latest_lastmod(self):
        # Django's default reads every page; one aggregate says the same.
        latest = self.items().aggregate(latest=Max("last_published_at"))["latest"]
        return latest

    def items(self):
        root = self.get_wagtail_site().root_page
        return discoverable(root.get_descendants(inclusive=True)).order_by("path").only(
            "id", "path", "depth", "url_path", "last_published_at", "latest_revision_created_at", "live",
            "content_type_id", "locale_id", "translation_key", "alias_of_id"
        )
