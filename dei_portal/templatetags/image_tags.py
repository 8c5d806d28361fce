"""{% load image_tags %}: Wagtail's image tags, each tag's filters built once (dei_portal/core/image_tags.py)."""

from dei_portal.core.image_tags import register

__all__ = ["register"]
