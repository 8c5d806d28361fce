"""Wagtail's users app with this project's user and group admin (dei_portal/accounts/admin_roles.py).

In a module of its own: with a second AppConfig in dei_portal/apps.py, Django would no longer
pick DeiPortalConfig as the default and its ready() (the cache invalidation signals) would
never run.
"""

from wagtail.users.apps import WagtailUsersAppConfig


class WagtailUsersConfig(WagtailUsersAppConfig):
    user_viewset = "dei_portal.accounts.admin_roles.UserViewSet"
    group_viewset = "dei_portal.accounts.admin_roles.GroupViewSet"
