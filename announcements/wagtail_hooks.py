from wagtail.admin.ui.tables import DateColumn, LiveStatusTagColumn
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

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
        DateColumn("go_live_at", label="Goes live"),
        DateColumn("expire_at", label="Expires"),
    ]


class AnnouncementCategoryViewSet(SnippetViewSet):
    model = AnnouncementCategory
    icon = "tag"
    menu_label = "Announcement categories"
    list_display = ["name", "slug"]


register_snippet(SiteNoticeViewSet)
register_snippet(AnnouncementCategoryViewSet)
