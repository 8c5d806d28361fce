"""What moves the cache's content generation on (see dei_portal/core/cache.py).

Everything a visitor could see changes through one of these:

- pages: published, unpublished (by hand or by the scheduled-publishing job), moved,
  deleted, or saved in a way that is not just a draft (Wagtail's own signals, and
  ``post_save``/``post_delete`` for direct saves);
- every other model that changes the public site (dei_portal/core/public_site.py): site-wide
  notices (published, unpublished, scheduled, reordered, deleted), audiences, announcement
  categories, site settings (menu, footer), sites, view restrictions (a page made private),
  images and documents (titles, alt text, files).

Draft-only saves (a new revision, a lock) leave the public site as it was, so they keep
the cache.
"""

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver
from wagtail.models import BaseViewRestriction, DraftStateMixin
from wagtail.signals import page_published, page_unpublished, post_page_move, published, unpublished

from dei_portal.core import cache
from dei_portal.core.public_site import changes_public_site

# Saved with these fields only, a page (or a notice) is changing its draft state, not what
# visitors see.
DRAFT_ONLY_FIELDS = {
    "latest_revision",
    "latest_revision_created_at",
    "draft_title",
    "has_unpublished_changes",
    "locked",
    "locked_at",
    "locked_by",
}


def _changed(**kwargs):
    cache.invalidate()


@receiver(post_save)
def saved(sender, instance, update_fields=None, **kwargs):
    if not changes_public_site(instance):
        return
    if isinstance(instance, DraftStateMixin) and update_fields and set(update_fields) <= DRAFT_ONLY_FIELDS:
        return
    cache.invalidate()


@receiver(post_delete)
def deleted(sender, instance, **kwargs):
    if changes_public_site(instance):
        cache.invalidate()


@receiver(m2m_changed)
def restriction_groups_changed(sender, instance, **kwargs):
    if isinstance(instance, BaseViewRestriction):
        cache.invalidate()


for signal in (page_published, page_unpublished, post_page_move, published, unpublished):
    signal.connect(_changed, dispatch_uid=f"dei-portal-cache-{id(signal)}")
