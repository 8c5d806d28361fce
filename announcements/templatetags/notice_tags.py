from django import template

from announcements.models import SiteNotice

register = template.Library()


@register.inclusion_tag("includes/site_notices.html")
def site_notices():
    """The published, unexpired notices, in the order editors set."""
    return {"notices": SiteNotice.objects.shown().select_related("link_page").order_by("sort_order")}
