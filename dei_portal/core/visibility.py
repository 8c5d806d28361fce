"""The one rule for what visitors may find anywhere: ``discoverable()``.

Search, the announcement feeds, the sitemap, the home page and every listing apply it: live,
public (no view restriction on the page or an ancestor) and not past its expiry time, even
before the scheduled publishing job has unpublished it.
"""

from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Length, Substr
from django.utils import timezone
from wagtail.models import Page, PageViewRestriction


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
    return queryset.live().filter(Q(expire_at__isnull=True) | Q(expire_at__gt=now)).exclude(Exists(restriction))
