"""The menu, breadcrumbs and footer on every page (``{% load navigation_tags %}``)."""

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from wagtail.models import Site

from dei_portal.core import cache
from dei_portal.site.models import FooterSettings, NavigationSettings

register = template.Library()


def _site_id(request):
    site = Site.find_for_request(request)  # cached on the request by Wagtail
    return site.pk if site else None


@register.inclusion_tag("includes/primary_menu.html", takes_context=True)
def primary_menu(context):
    """The main menu from Settings → Navigation (cached per site; links to unpublished pages left out)."""
    request = context["request"]

    def build():
        links = []
        for block in NavigationSettings.for_request(request).primary_menu:
            href = block.value.href
            if href:  # an unpublished page: never in the menu
                links.append((href, block.value.label))
        return links

    items = [
        {"href": href, "label": label, "current": href != "/" and request.path.startswith(href) or request.path == href}
        for href, label in cache.fragment("menu", _site_id(request), build)
    ]
    return {"items": items}


@register.inclusion_tag("includes/breadcrumbs.html", takes_context=True)
def breadcrumbs(context):
    page = context.get("page")
    if page is None or page.depth <= 2 or not hasattr(page, "get_breadcrumbs"):
        return {"ancestors": [], "page": page}
    return {"ancestors": page.get_breadcrumbs(), "page": page}


@register.simple_tag(takes_context=True)
def site_footer(context):
    """The footer from Settings → Footer, rendered once per site and content generation."""
    request = context["request"]

    def build():
        return render_to_string("includes/footer.html", {"footer": FooterSettings.for_request(request)})

    return mark_safe(cache.fragment("footer", _site_id(request), build))  # noqa: S308 (our own template's output, autoescaped)
