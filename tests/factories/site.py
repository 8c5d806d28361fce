"""The site's pages (dei_portal.site): the home page and standard pages; build them under a parent."""

from dei_portal.site.models import HomePage, StandardPage

from .core import BasePageFactory


class HomePageFactory(BasePageFactory):
    class Meta:
        model = HomePage


class StandardPageFactory(BasePageFactory):
    class Meta:
        model = StandardPage
