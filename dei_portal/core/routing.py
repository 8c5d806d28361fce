"""Routing a URL in one query: the home page's shortcut past Wagtail's segment-by-segment routing."""

from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from wagtail.models import Page, PageViewRestriction
from wagtail.url_routing import RouteResult


class RouteInOneQueryMixin:
    """For the page at a site's root (``HomePage``): finds the page for a URL below it in one
    query, and leaves each page it serves the chain of pages on the way there (``_route_chain``),
    which ``BasePage`` reads for breadcrumbs and view restrictions without queries of its own."""

    def route(self, request, path_components):
        """Find the page for a URL in one query, instead of two per URL segment.

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
            return super().route(request, path_components)
        if not below:
            target = self
        else:
            model = below[-1].specific_class
            if model is None or any(page.specific_class.route is not Page.route for page in below):
                return super().route(request, path_components)
            if not below[-1].live:
                raise Http404
            related = getattr(model, "serve_select_related", ())
            target = model._default_manager.select_related(*related).get(pk=below[-1].pk)
            target._cached_parent_obj = below[-2] if len(below) > 1 else self
        if not target.live:
            raise Http404
        target._route_chain = chain
        return RouteResult(target)
