from django.apps import AppConfig


class DeiPortalConfig(AppConfig):
    name = "dei_portal"
    verbose_name = "Site core"

    def ready(self):
        from dei_portal.core import signals  # noqa: F401 (connects the cache invalidation receivers)
