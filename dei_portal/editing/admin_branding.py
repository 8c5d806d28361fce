"""The admin names the site and its office, not Wagtail.

Where each piece is (Wagtail's "custom branding" template blocks, and one hook):

- every admin page's <title> and favicon: templates/wagtailadmin/admin_base.html;
- the sign-in heading and the mark under the form: templates/wagtailadmin/login.html;
- the mark at the top of the sidebar: templates/wagtailadmin/base.html; the mark itself (the
  site's favicon, drawn inline): templates/wagtailadmin/logo.html, which Wagtail's own
  templates include wherever they show its bird;
- the userbar on the live site and the admin's "page not found": copies of Wagtail's templates
  whose only changes are their wording (tests/test_admin_branding.py keeps them in step);
- the header of HTML notification emails: templates/wagtailadmin/notifications/base.html;
- the help menu's "Editor guide": the office's own guide (/admin/guide/), below.
"""

from urllib.parse import urlsplit

from django import template
from django.conf import settings
from django.urls import reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem

register = template.Library()

# Wagtail's help menu links here ("Editor Guide", "What's new in Wagtail …"): a guide to
# Wagtail in general, on another site, not to how this office works.
WAGTAIL_GUIDE_HOST = "guide.wagtail.org"


@register.simple_tag
def admin_site_name():
    """WAGTAIL_SITE_NAME, as in the admin's title and sign-in heading."""
    return settings.WAGTAIL_SITE_NAME


def office_guide_item():
    return MenuItem(
        "Editor guide", reverse("dei_portal_guide_index"), name="editor-guide", icon_name="help", order=1100
    )


# Registered here, with the rest of the branding. This module is imported whenever Django's
# template engine starts (it imports every tag library), which is before any admin page, and so
# before any sidebar with its help menu, is rendered.
@hooks.register("construct_help_menu")
def help_menu_points_to_the_office_guide(request, items):
    """The help menu's guide is the office's own editor guide (docs/editor-guide.md, shown in
    the admin by dei_portal/accounts/admin_roles.py); Wagtail's links to its general guide go."""
    kept, first_removed = [], None
    for item in items:
        if urlsplit(getattr(item, "url", "") or "").hostname == WAGTAIL_GUIDE_HOST:
            first_removed = len(kept) if first_removed is None else first_removed
        else:
            kept.append(item)
    if not any(item.name == "editor-guide" for item in kept):
        kept.insert(len(kept) if first_removed is None else first_removed, office_guide_item())
    items[:] = kept
