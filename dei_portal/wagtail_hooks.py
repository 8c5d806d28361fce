"""Wagtail finds an app's admin hooks in its ``wagtail_hooks`` module. This app's hooks live with
their concerns, and importing a module registers its hooks, so this module imports them, in the
order they have always registered in (hooks run in that order):

- the help menu's editor guide (dei_portal/editing/admin_branding.py);
- users never deleted, invitations (dei_portal/accounts/wagtail_hooks.py);
- the full accessibility checker (dei_portal/editing/wagtail_hooks.py);
- editor fixes, roles, scheduling and review, two-factor.

(offices and announcements have their own ``wagtail_hooks``: their snippets.)
"""

from dei_portal.editing import admin_branding  # noqa: F401, I001 (the order is the point)
from dei_portal.accounts import wagtail_hooks as accounts_hooks  # noqa: F401
from dei_portal.editing import wagtail_hooks as editing_hooks  # noqa: F401
from dei_portal.editing import editor_fixes  # noqa: F401
from dei_portal.accounts import admin_roles  # noqa: F401
from dei_portal.editing import scheduling  # noqa: F401
from dei_portal.accounts import two_factor  # noqa: F401
