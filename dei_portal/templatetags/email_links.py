"""{% load email_links %}: the public page address and approval comments in review emails.

Defined in dei_portal/accounts/email_links.py."""

from dei_portal.accounts.email_links import register

__all__ = ["register"]
