from django.apps import AppConfig


class DeiPortalConfig(AppConfig):
    name = "dei_portal"
    verbose_name = "Site core"
