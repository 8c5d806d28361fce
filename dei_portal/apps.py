from django.apps import AppConfig
from wagtail.users.apps import WagtailUsersAppConfig


class DeiPortalConfig(AppConfig):
    name = "dei_portal"
    verbose_name = "Site core"

    def ready(self):
        from . import signals  # noqa: F401 (connects the cache invalidation receivers)


class WagtailUsersConfig(WagtailUsersAppConfig):
    """Wagtail's users app, with this project's user and group admin (dei_portal/admin_roles.py)."""

    user_viewset = "dei_portal.admin_roles.UserViewSet"
    group_viewset = "dei_portal.admin_roles.GroupViewSet"
