"""Routing a URL: the home page's shortcut past Wagtail's segment-by-segment routing (one query
for the way there, one for the page), and the memo that keeps the site, its root paths and each
route for the content generation (``dei_portal.core.memo``), so that a page seen before in this
generation is routed with no query at all."""

import copy

from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from wagtail.models import Page, PageViewRestriction, Site
from wagtail.url_routing import RouteResult

from dei_portal.core import cache, memo


class MemoizedRoutingMiddleware:
    """On a public GET or HEAD with the fragment cache on: puts the request in its content
    generation's memo, and sets the site and the site root paths that Wagtail caches on the
    request (``request._wagtail_site``, ``request._wagtail_cached_site_root_paths``) from it,
    so Wagtail asks neither the database nor Redis for them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not (
            settings.FRAGMENT_CACHE
            and request.method in ("GET", "HEAD")
            and not request.path.startswith(cache.EXCLUDED_PREFIXES)
        ):
            return self.get_response(request)
        current = getattr(request, "content_generation", None)  # read by the page cache, if on
        if current is None:
            current = cache.generation()
        if current is None:  # no cache to be had (Redis down): build everything, keep nothing
            return self.get_response(request)
        memo.activate(current, lambda: cache.seconds_until_next_change(settings.PAGE_CACHE_SECONDS))
        try:
            host, port = request._get_raw_host(), request.get_port()
            request._wagtail_site = memo.get(("site", host, port), lambda: _site_with_specific_root(request))
            request._wagtail_cached_site_root_paths = memo.get("site_root_paths", Site.get_site_root_paths)
            return self.get_response(request)
        finally:
            memo.deactivate()


def _site_with_specific_root(request):
    site = Site._find_for_request(request)
    if site is not None:
        # The home page as its own type, so Wagtail's routing (root_page.localized.specific)
        # runs no query for it: ``.specific`` of a specific page is the page itself.
        site.root_page = site.root_page.specific
    return site


class RouteInOneQueryMixin:
    """For the page at a site's root (``HomePage``): finds the page for a URL below it in one
    query, and leaves each page it serves the chain of pages on the way there (``_route_chain``),
    which ``BasePage`` reads for breadcrumbs and view restrictions without queries of its own."""

    def route(self, request, path_components):
        """The page for a URL, from this generation's memo when it was routed before in it.

        Each request gets its own copy of the page (and of this one), so nothing one request
        sets on a page reaches another.
        """
        found = memo.get(("route", self.pk, tuple(path_components)), lambda: self._route(request, path_components))
        if found is None:
            return super().route(request, path_components)
        target, parent, chain = found
        target = copy.copy(target)
        if parent is not None:
            target._cached_parent_obj = parent
        target._route_chain = chain
        return RouteResult(target)

    def _route(self, request, path_components):
        """(page, its parent, the chain) for a URL in two queries instead of two per URL segment,
        or None where Wagtail's own routing must run. Http404 for a page that is not live.

        Every page's ``url_path`` is its slugs joined, so the pages on the way to
        /offices/faculty-affairs/ are those whose url_path is one of the path's prefixes.
        One query loads them with the tree root and this page, each marked with whether
        it has a view restriction; a second loads the specific page with the related
        rows its template shows. The result is the page Wagtail's own routing finds:
        when a segment is missing, or a page on the way routes its own sub-paths
        (``RoutablePageMixin``), Wagtail's routing runs instead.
        """
        prefixes = [self.url_path + "/".join(path_components[: i + 1]) + "/" for i in range(len(path_components))]
        ancestors = [self.path[:i] for i in range(self.steplen, len(self.path) + 1, self.steplen)]
        # Candidates by slug (indexed; url_path is not), narrowed to the exact url_paths here.
        below_here = Q(path__startswith=self.path, depth__gt=self.depth, depth__lte=self.depth + len(prefixes))
        rows = list(
            Page.objects.filter(Q(path__in=ancestors) | Q(below_here, slug__in=set(path_components)))
            .annotate(restricted=Exists(PageViewRestriction.objects.filter(page_id=OuterRef("pk"))))
            .order_by("depth")
        )
        above = [page for page in rows if page.path in ancestors]
        below = [page for page in rows if page.depth > self.depth and page.url_path in prefixes]
        chain = above + below
        if [page.url_path for page in below] != prefixes or len(above) != len(ancestors):
            return None
        if not below:
            if not self.live:
                raise Http404
            return self, None, chain
        model = below[-1].specific_class
        if model is None or any(page.specific_class.route is not Page.route for page in below):
            return None
        if not below[-1].live:
            raise Http404
        related = getattr(model, "serve_select_related", ())
        prefetch = getattr(model, "serve_prefetch_related", ())
        target = model._default_manager.select_related(*related).prefetch_related(*prefetch).get(pk=below[-1].pk)
        return target, (below[-2] if len(below) > 1 else self), chain
