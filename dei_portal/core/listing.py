"""Shared pieces of the listing pages: pagination and card images.

Listings may hold thousands of pages (``load_demo_content --scale``), so every listing
is paginated and its queries do not grow with the content: one for the page of items,
one for the count, and two for the card images with their renditions.
"""

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db.models import Prefetch
from wagtail.images import get_image_model

# The renditions a card's {% picture %} asks for (templates/includes/card.html).
CARD_IMAGE_SPECS = [f"format-{fmt}|fill-{size}" for fmt in ("avif", "webp", "jpeg") for size in ("400x225", "800x450")]


def with_card_images(queryset, field="listing_image"):
    """Fetch each card's image and the renditions the card shows, in two queries in all."""
    images = get_image_model().objects.prefetch_renditions(*CARD_IMAGE_SPECS)
    return queryset.prefetch_related(Prefetch(field, queryset=images))


def paginate(request, queryset, per_page):
    """The requested page of ``queryset``: page 1 for a page "number" that is not a
    number, the last page for one past the end (never an error)."""
    paginator = Paginator(queryset, per_page)
    try:
        return paginator.page(request.GET.get("page", 1))
    except PageNotAnInteger:
        return paginator.page(1)
    except EmptyPage:
        return paginator.page(paginator.num_pages)
