"""The models of the ``dei_portal`` app, each defined in the package of its layer.

Django loads an app's models from its ``models`` module; this one imports them from where they
live, so their app label (``dei_portal``), tables and migrations stay what they were:

- dei_portal/accounts/models.py: ``User`` (AUTH_USER_MODEL);
- dei_portal/statements/models.py: ``StatementIndexPage``, ``StatementPage``, ``StatementPoster``;
- dei_portal/site/models.py: ``HomePage``, ``StandardPage``, ``NavigationSettings``, ``FooterSettings``.

The abstract ``BasePage`` every page type shares is in dei_portal/core/models.py. Nothing in the
project imports this module except Django (and the tests): it sits above every layer.
"""

from dei_portal.accounts.models import User
from dei_portal.site.models import FooterSettings, HomePage, NavigationSettings, StandardPage
from dei_portal.statements.models import StatementIndexPage, StatementPage, StatementPoster

__all__ = [
    "FooterSettings",
    "HomePage",
    "NavigationSettings",
    "StandardPage",
    "StatementIndexPage",
    "StatementPage",
    "StatementPoster",
    "User",
]
