from wagtail.admin.ui.tables import LiveStatusTagColumn
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from dei_portal.admin_scheduling import SiteDateTimeColumn

from .models import AnnouncementCategory, SiteNotice


class SiteNoticeViewSet(SnippetViewSet):
    model = SiteNotice
    icon = "warning"
    menu_label = "Site-wide notices"
    add_to_admin_menu = True
    menu_order = 250
    list_display = [
        "heading",
        "text",
        LiveStatusTagColumn(),
        # In the site's time zone, naming it (Wagtail's DateColumn says "in 3 months").
        SiteDateTimeColumn("go_live_at", label="Goes live"),
        SiteDateTimeColumn("expire_at", label="Expires"),
    ]


class AnnouncementCategoryViewSet(SnippetViewSet):
    model = AnnouncementCategory
    icon = "tag"
    menu_label = "Announcement categories"
    list_display = ["name", "slug"]


register_snippet(SiteNoticeViewSet)
register_snippet(AnnouncementCategoryViewSet)
