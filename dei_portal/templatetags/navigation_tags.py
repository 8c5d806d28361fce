from django import template

from dei_portal.models import FooterSettings, NavigationSettings

register = template.Library()


@register.inclusion_tag("includes/primary_menu.html", takes_context=True)
def primary_menu(context):
    request = context["request"]
    menu = NavigationSettings.for_request(request).primary_menu
    items = []
    for block in menu:
        href = block.value.href
        if not href:  # an unpublished page: never in the menu
            continue
        current = href != "/" and request.path.startswith(href) or request.path == href
        items.append({"href": href, "label": block.value.label, "current": current})
    return {"items": items}


@register.inclusion_tag("includes/breadcrumbs.html", takes_context=True)
def breadcrumbs(context):
    page = context.get("page")
    if page is None or page.depth <= 2 or not hasattr(page, "get_breadcrumbs"):
        return {"ancestors": [], "page": page}
    return {"ancestors": page.get_breadcrumbs(), "page": page}


@register.inclusion_tag("includes/footer.html", takes_context=True)
def site_footer(context):
    request = context["request"]
    return {"footer": FooterSettings.for_request(request), "request": request}
