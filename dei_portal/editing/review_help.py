"""Why an Editor sees no Publish button: the words shown to people who cannot publish (issue 11).

Editors' notices and pages go live only after a Moderator or Publisher approves them, so Wagtail
offers them "Save draft" and "Submit to …" but no "Publish". Without a word of explanation that
looks like a fault. ``PublishingHelpPanel`` (on the site-wide notice form) and the page-editor
hooks in ``dei_portal.editing.editor_fixes`` show the same sentence, only to users who cannot publish.
"""

from django.contrib.auth import get_permission_codename
from django.utils.html import format_html
from wagtail.admin.panels import HelpPanel


def review_explanation(things, workflow):
    """The sentence shown to someone who cannot publish ``things`` ("Notices", "Pages")."""
    if workflow is not None:
        how = format_html("Save a draft, then choose “Submit to {}” from the menu beside “Save draft”.", workflow.name)
    else:
        how = "Save a draft and ask a Moderator or Publisher to publish it."
    return format_html(
        "{} go live only after a Moderator or Publisher approves them, which is why there is no "
        "Publish button for you. {}",
        things,
        how,
    )


def can_publish_model(user, model):
    """Whether ``user`` may publish instances of a (snippet) model with drafts."""
    opts = model._meta
    return user.has_perm(f"{opts.app_label}.{get_permission_codename('publish', opts)}")


class PublishingHelpPanel(HelpPanel):
    """A help panel saying how review works, shown only to users without publish permission."""

    def __init__(self, things="These items", **kwargs):
        super().__init__(**kwargs)
        self.things = things

    def clone_kwargs(self):
        kwargs = super().clone_kwargs()
        kwargs.pop("content", None)
        kwargs["things"] = self.things
        return kwargs

    class BoundPanel(HelpPanel.BoundPanel):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.content = review_explanation(self.panel.things, self.instance.get_workflow())

        def is_shown(self):
            return not can_publish_model(self.request.user, self.panel.model)
