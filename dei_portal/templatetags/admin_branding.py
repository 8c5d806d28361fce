"""The admin names the site, not Wagtail (templates/wagtailadmin/admin_base.html, login.html)."""

from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def admin_site_name():
    """WAGTAIL_SITE_NAME, as in the admin's title and sign-in heading."""
    return settings.WAGTAIL_SITE_NAME
