"""Who may edit, and keeping them safe; nothing here knows the content.

- ``models``: the ``User`` model;
- ``admin_roles``: roles that explain themselves, the user and group forms, who may delete what,
  the editor guide in the admin (also the ``admin_roles`` template library);
- ``two_factor``: TOTP two-factor sign-in for the admin, backup codes, recovery;
- ``emails``: invitations and every link in an email on the site's public address;
- ``security``: Content-Security-Policy and the other security headers;
- ``uploads``: images and documents checked before they are stored;
- ``users_app``: Wagtail's users app with the forms above;
- ``wagtail_hooks``: users are deactivated, never deleted; invitations;
- ``email_links``: the public page address and approval comments in review emails (a template
  library, registered by dei_portal/templatetags/).
"""
