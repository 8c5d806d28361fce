"""{% load review_tags %}: the dashboard's review actions open the review dialog (dei_portal/editing/review_tags.py)."""

from dei_portal.editing.review_tags import register

__all__ = ["register"]
