"""Shared pieces of the listing pages: pagination and card images.

Listings may hold thousands of pages (``load_demo_content --scale``), so every listing
is paginated and its queries do not grow with the content: one for the page of items,
one for the count, and two for the card images with their renditions.
"""

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db.models import Prefetch
from wagtail.images import get_image_model

from dei_portal.core import memo

# The renditions a card's {% picture %} asks for (templates/includes/card.html).
CARD_IMAGE_SPECS = [f"format-{fmt}|fill-{size}" for fmt in ("avif", "webp", "jpeg") for size in ("400x225", "800x450")]


def with_card_images(queryset, field="listing_image"):
    """Fetch each card's image and the renditions the card shows, in two queries in all."""
    images = get_image_model().objects.prefetch_renditions(*CARD_IMAGE_SPECS)
    return queryset.prefetch_related(Prefetch(field, queryset=images))


def paginate(request, queryset, per_page, memo_key=None):
    """The requested page of ``queryset``: page 1 for a page "number" that is not a
    number, the last page for one past the end (never an error).

    With ``memo_key`` (what, besides the page number, decides the rows: the listing page and
    its filter), the page is evaluated once per content generation in this process
    (``dei_portal.core.memo``) and shared by the requests that ask for it.
    """
    if memo_key is None:
        return _page(request, queryset, per_page)
    number = request.GET.get("page", "1")
    return memo.get(("listing", *memo_key, number), lambda: _evaluated(_page(request, queryset, per_page)))


def _evaluated(page):
    page.object_list = list(page.object_list)  # the rows (and their prefetches) now, not per request
    return page


def _page(request, queryset, per_page):
    paginator = Paginator(queryset, per_page)
    try:
        return paginator.page(request.GET.get("page", 1))
    except PageNotAnInteger:
        return paginator.page(1)
    except EmptyPage:
        return paginator.page(paginator.num_pages)
