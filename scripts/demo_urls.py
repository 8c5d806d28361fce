"""The site's URLs, plus the demo images (media files) for the throwaway demo server."""

from django.conf import settings
from django.urls import re_path
from django.views.static import serve

from dei_portal.site.urls import urlpatterns as site_urlpatterns

urlpatterns = [
    re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT}),
    *site_urlpatterns,
]
