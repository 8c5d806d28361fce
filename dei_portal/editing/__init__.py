"""The admin as editors use it, for every kind of content; it knows no content app.

- ``scheduling``: go-live and expiry times in the site's time zone, the Schedule column, the
  dashboard's review dialog;
- ``review_help``: why someone who cannot publish sees no Publish button (a help panel);
- ``editor_fixes``: the review explanation in the page editor, live character counts;
- ``wagtail_hooks``: the userbar's full accessibility checker;
- ``admin_branding``, ``review_tags``, ``scheduling_tags``: their template libraries (registered
  under those names by dei_portal/templatetags/).

Content apps use it (announcements' notices have the help panel and the Schedule column); it
sits at the bottom beside the core.
"""
