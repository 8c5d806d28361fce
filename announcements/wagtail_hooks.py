from django.utils.text import Truncator
from wagtail.admin.ui.tables import Column, LiveStatusTagColumn
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from dei_portal.editing.scheduling import ScheduleColumn

from .models import AnnouncementCategory, SiteNotice


class SiteNoticeViewSet(SnippetViewSet):
    model = SiteNotice
    icon = "warning"
    menu_label = "Site-wide notices"
    add_to_admin_menu = True
    menu_order = 250
    # Every column fits at 1280 px (and the table stays usable at 375 px): the text is cut to
    # its start, and one "Schedule" column says what happens when, in the site's time zone.
    list_display = [
        "heading",
        Column("text", accessor=lambda notice: Truncator(notice.text).chars(60), sort_key="text"),
        LiveStatusTagColumn(),
        ScheduleColumn(),
    ]


class AnnouncementCategoryViewSet(SnippetViewSet):
    model = AnnouncementCategory
    icon = "tag"
    menu_label = "Announcement categories"
    list_display = ["name", "slug"]


register_snippet(SiteNoticeViewSet)
register_snippet(AnnouncementCategoryViewSet)
