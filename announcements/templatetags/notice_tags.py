from django import template
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from announcements.models import SiteNotice
from dei_portal.core import cache

register = template.Library()


@register.simple_tag
def site_notices():
    """The published, unexpired notices, in the order editors set (rendered once per generation)."""

    def build():
        notices = SiteNotice.objects.shown().select_related("link_page").order_by("sort_order")
        return render_to_string("includes/site_notices.html", {"notices": notices})

    return mark_safe(cache.fragment("notices", None, build))  # noqa: S308 (our own template's output, autoescaped)
