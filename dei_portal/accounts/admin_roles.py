"""Roles that explain themselves, review of everything public, and no lockout of the last
administrator (issue 11). See docs/editor-guide.md, "Roles".

- The user form (Wagtail's, through our UserViewSet): each role's one-sentence description next
  to its checkbox; one role per user unless "Combine roles" is ticked; the superuser switch only
  for superusers, labelled as what it is; blank passwords say they send an invitation; the last
  active administrator cannot be deactivated or demoted. The users list shows each user's role
  ("Editor", "Superuser (every permission)").
- The built-in role groups cannot be deleted, and their edit page shows their description.
- Only Moderators and Publishers (and superusers) may delete an image or document that is in
  use, or a page someone else owns; an Editor may delete only their own never-published pages.
  The image delete page and the bulk delete pages say so (and where the file is used) instead
  of offering "Yes, delete" ({% load admin_roles %}: this module is also a template library).
- Reports → Site history is in the menu of those who manage accounts (Site administrators).
- The editor guide (docs/editor-guide.md) is rendered inside the admin, linked from the
  dashboard and the menu.
"""

import re
from functools import lru_cache
from itertools import islice
from pathlib import Path

import markdown
from django import forms, template
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from wagtail import hooks
from wagtail.actions import DeleteAction, EditAction
from wagtail.actions.delete import DeletePermissionError
from wagtail.actions.edit import EditPermissionError
from wagtail.admin.admin_url_finder import AdminURLFinder
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.components import Component
from wagtail.admin.ui.tables import Column
from wagtail.documents.models import AbstractDocument
from wagtail.documents.views.bulk_actions.delete import (
    DeleteBulkAction as DocumentDeleteBulkAction,
)
from wagtail.images.models import AbstractImage
from wagtail.images.views.bulk_actions.delete import (
    DeleteBulkAction as ImageDeleteBulkAction,
)
from wagtail.models import Page, ReferenceIndex
from wagtail.users.forms import GroupForm, UserCreationForm, UserEditForm
from wagtail.users.views import groups as group_views
from wagtail.users.views import users as user_views

ADMINISTRATORS_GROUP = "Site administrators"
# Groups whose members publish, so they may also remove what is public (in-use media, pages).
PUBLISHING_GROUPS = ("Moderators", "Publishers")

# One sentence per role, shown next to its checkbox on the user form and on the group's page.
# The editor guide's role table says the same at length; keep the two in step.
ROLE_DESCRIPTIONS = {
    "Editors": "Writes and changes drafts of pages and notices and submits them for review; never publishes.",
    "Moderators": "Reviews what Editors submit, then approves (publishes) or sends it back; "
    "also publishes directly. Needs two-factor sign-in.",
    "Publishers": "Writes and publishes directly, without a second person — the role for a "
    "one- or two-person office. Needs two-factor sign-in.",
    "Site administrators": "Manages user accounts, roles, the menu and footer, and redirects; "
    "does not publish. Needs two-factor sign-in.",
}

# What one member of each role is called (the users list's "Role" column).
ROLE_NAMES = {
    "Editors": "Editor",
    "Moderators": "Moderator",
    "Publishers": "Publisher",
    "Site administrators": "Site administrator",
}

SUPERUSER_LABEL = "Superuser: every permission, bypasses roles"
SUPERUSER_ROLE = "Superuser (every permission)"
SUPERUSER_HELP = (
    "Not the same as the “Site administrators” role. A superuser can do everything, whatever "
    "their roles say. Keep it for the one or two people responsible for the site."
)
INVITATION_HELP = (
    "Leave both password fields empty to send an invitation: the user gets an email with a "
    "link to choose their own password."
)
KEEP_PASSWORD_HELP = "Leave both password fields empty to keep the current password."  # noqa: S105 (help text)
COMBINE_ROLES_HELP = (
    "Tick to give this user more than one role on purpose, e.g. a Site administrator who also "
    "publishes in a one-person office."
)
ONE_ROLE_ERROR = "Choose one role, or tick “Combine roles” below if this person really needs more than one."
LAST_ADMINISTRATOR_ERROR = (
    "This is the last active administrator: make someone else a Site administrator first, "
    "or nobody will be able to manage accounts."
)


# --- The last administrator -------------------------------------------------------------------


def administrators():
    """Active users who can manage users: superusers and members of Site administrators."""
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(is_superuser=True) | Q(groups__name=ADMINISTRATORS_GROUP))
        .distinct()
    )


def is_last_administrator(user):
    """Whether `user` is the only active administrator left (so losing them locks the office out)."""
    if user is None or not user.pk:
        return False
    admins = administrators()
    return admins.filter(pk=user.pk).exists() and not admins.exclude(pk=user.pk).exists()


def is_publisher(user):
    """Whether `user` may remove what is public: superusers, Moderators and Publishers."""
    return user.is_active and (user.is_superuser or user.groups.filter(name__in=PUBLISHING_GROUPS).exists())


# --- The user form ---------------------------------------------------------------------------


def role_label(group):
    description = ROLE_DESCRIPTIONS.get(group.name)
    return f"{group.name} — {description}" if description else group.name


class RoleFormMixin:
    """Role descriptions, one role per user, the superuser switch and the last administrator.

    `for_user` is the person filling in the form: only a superuser sees the superuser switch
    (otherwise anyone who manages users could make themselves a superuser with it).
    """

    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, **kwargs)
        groups = self.fields["groups"]
        groups.queryset = Group.objects.order_by("name")
        groups.label = "Role"
        groups.label_from_instance = role_label
        groups.help_text = "What this person may do. One role per person, unless combined below."
        self.fields["combine_roles"] = forms.BooleanField(
            label="Combine roles", required=False, help_text=COMBINE_ROLES_HELP
        )
        if self.instance.pk and self.instance.groups.count() > 1:
            self.fields["combine_roles"].initial = True
        if "is_superuser" in self.fields:
            if for_user is not None and for_user.is_superuser:
                self.fields["is_superuser"].label = SUPERUSER_LABEL
                self.fields["is_superuser"].help_text = SUPERUSER_HELP
            else:
                del self.fields["is_superuser"]

    def clean(self):
        cleaned_data = super().clean()
        groups = cleaned_data.get("groups")
        if groups is not None and len(groups) > 1 and not cleaned_data.get("combine_roles"):
            self.add_error("groups", ONE_ROLE_ERROR)
        # self.instance still holds the saved values here (the form copies its data onto it later).
        if self.instance.pk and is_last_administrator(self.instance):
            stays_active = cleaned_data.get("is_active", self.instance.is_active)
            stays_superuser = cleaned_data.get("is_superuser", self.instance.is_superuser)
            stays_site_admin = groups is not None and any(g.name == ADMINISTRATORS_GROUP for g in groups)
            # Attached to a field, because Wagtail's user form shows no form-wide errors.
            if not stays_active and "is_active" in self.fields:
                self.add_error("is_active", LAST_ADMINISTRATOR_ERROR)
            elif not (stays_superuser or stays_site_admin):
                self.add_error("is_superuser" if "is_superuser" in self.fields else "groups", LAST_ADMINISTRATOR_ERROR)
        return cleaned_data


class RoleUserCreationForm(RoleFormMixin, UserCreationForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "password1" in self.fields and not self.fields["password1"].required:
            self.fields["password1"].help_text = INVITATION_HELP


class RoleUserEditForm(RoleFormMixin, UserEditForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "password1" in self.fields:
            self.fields["password1"].help_text = KEEP_PASSWORD_HELP


class FormForUserMixin:
    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "for_user": self.request.user}


class UserCreateView(FormForUserMixin, user_views.CreateView):
    pass


class UserEditView(FormForUserMixin, user_views.EditView):
    @cached_property
    def header_more_buttons(self):
        """Wagtail's "⋯" buttons, plus those other modules offer for this user (e.g. "Reset
        two-factor", dei_portal/accounts/two_factor.py), through the project's register_user_edit_buttons
        hook, so this module never imports them."""
        buttons = list(super().header_more_buttons)
        for hook in hooks.get_hooks("register_user_edit_buttons"):
            buttons.extend(hook(user=self.object, request_user=self.request.user))
        return buttons


def user_role(user):
    """A user's role as the users list shows it: "Editor", "Publisher, Site administrator" (a
    deliberate combination), "Superuser (every permission)" or "No role". Groups other than the
    site's roles are shown by their own name."""
    roles = ", ".join(sorted(ROLE_NAMES.get(group.name, group.name) for group in user.groups.all()))
    if user.is_superuser:
        return f"{SUPERUSER_ROLE}; also {roles}" if roles else SUPERUSER_ROLE
    return roles or "No role"


class UserIndexView(user_views.IndexView):
    """Wagtail's users list, with each user's role where Wagtail shows "Admin" for superusers."""

    @cached_property
    def columns(self):
        return [
            Column("role", accessor=user_role, label="Role", width="25%") if column.name == "is_superuser" else column
            for column in super().columns
        ]

    def get_base_queryset(self):
        return super().get_base_queryset().prefetch_related("groups")  # no query per row


class RoleUserFilterSet(user_views.UserFilterSet):
    """The users list's filters, with Wagtail's "Administrator" (superusers) called "Superuser",
    so it is not taken for the Site administrators role."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["is_superuser"].label = "Superuser"


class UserViewSet(user_views.UserViewSet):
    index_view_class = UserIndexView
    filterset_class = RoleUserFilterSet
    add_view_class = UserCreateView
    edit_view_class = UserEditView
    template_prefix = "wagtailusers/users/"

    def get_form_class(self, for_update=False):
        return RoleUserEditForm if for_update else RoleUserCreationForm


# --- Groups -----------------------------------------------------------------------------------


class RoleGroupForm(GroupForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        description = ROLE_DESCRIPTIONS.get(self.instance.name)
        if description:
            self.fields["name"].help_text = f"{description} (One of the site's roles; see the editor guide.)"


class GroupDeleteView(group_views.DeleteView):
    """The roles the migrations create are part of the site: they cannot be deleted."""

    def form_valid(self, form):  # after Wagtail's permission checks
        if self.object.name in ROLE_DESCRIPTIONS:
            messages.error(self.request, f"“{self.object.name}” is one of the site's roles and cannot be deleted.")
            return redirect(reverse("wagtailusers_groups:edit", args=[self.object.pk]))
        return super().form_valid(form)


class GroupViewSet(group_views.GroupViewSet):
    delete_view_class = GroupDeleteView

    def get_form_class(self, for_update=False):
        return RoleGroupForm


@hooks.register("before_bulk_action")
def keep_roles_and_the_last_administrator(request, action_type, objects, action_class_instance):
    """The users list's bulk actions: never deactivate the last administrator; "Assign role"
    adds a role, so it must not quietly give someone a second one."""
    User = get_user_model()
    users = [obj for obj in objects if isinstance(obj, User)]
    if not users:
        return None
    back = redirect(reverse("wagtailusers_users:index"))
    if action_type == "set_active_state" and not action_class_instance.cleaned_form.cleaned_data["mark_as_active"]:
        remaining = administrators().exclude(pk__in=[user.pk for user in users])
        if not remaining.exists():
            messages.error(request, LAST_ADMINISTRATOR_ERROR)
            return back
    if action_type == "assign_role":
        role = action_class_instance.cleaned_form.cleaned_data["role"]
        if any(user.groups.exclude(pk=role.pk).exists() for user in users):
            messages.error(
                request,
                "Some of these users already have another role. Change roles one user at a time "
                "(edit the user), so nobody gets two roles by accident.",
            )
            return back
    return None


# --- Deleting what the public sees -------------------------------------------------------------

MEDIA_IN_USE = (
    "“{title}” is used on the site ({count} use{s}), so only a Moderator or Publisher can {verb} "
    "it. Upload a new one and swap it in where it is used (that goes through review), or ask a "
    "Moderator."
)
NOT_YOUR_PAGE = (
    "Only a Moderator or Publisher can delete “{title}”: Editors may delete only their own pages "
    "that have never been published."
)


def media_refusal(user, obj, verb="delete"):
    """Why `user` may not delete (or change) this image or document, or None if they may."""
    if is_publisher(user):
        return None
    count = ReferenceIndex.get_grouped_references_to(obj).count()
    if count:
        return MEDIA_IN_USE.format(title=obj.title, count=count, s="" if count == 1 else "s", verb=verb)
    return None


class ProtectInUseMediaDeleteAction(DeleteAction):
    """Deleting an image or document (the admin's delete view goes through this action)."""

    def execute(self, skip_permission_checks=False):
        # The view has checked Wagtail's own permission (and skips it here); this rule is extra.
        refusal = self.user and media_refusal(self.user, self.instance)
        if refusal:
            raise DeletePermissionError(refusal)
        return super().execute(skip_permission_checks=skip_permission_checks)


class ProtectInUseMediaEditAction(EditAction):
    """Editing an image or document: a new file, title or alt text shows at once on every page
    that uses it, with no review, so an Editor may edit only media nothing uses yet."""

    def execute(self, skip_permission_checks=False):
        refusal = self.user and self.content_changed and media_refusal(self.user, self.instance, "change")
        if refusal:
            raise EditPermissionError(refusal)
        return super().execute(skip_permission_checks=skip_permission_checks)


# The delete pages say why, instead of offering "Yes, delete" and then refusing. These template
# tags are loaded as {% load admin_roles %} (settings: TEMPLATES' "libraries", "roles and review").
register = template.Library()
USES_LISTED = 20  # the rest are on the object's usage page


def media_uses(user, obj, limit=USES_LISTED):
    """Where an image or document is used: the first `limit` objects using it, each with its
    kind ("Page", "Site-wide notice"), its title and its edit URL (None if `user` may not edit it)."""
    finder = AdminURLFinder(user)
    uses = []
    for source, _references in islice(ReferenceIndex.get_grouped_references_to(obj), limit):
        title = source.get_admin_display_title() if isinstance(source, Page) else str(source)
        uses.append({"kind": capfirst(source._meta.verbose_name), "title": title, "url": finder.get_edit_url(source)})
    return uses


@register.simple_tag(takes_context=True)
def media_delete_refusal(context, obj):
    """{% media_delete_refusal image as refusal %}: why the signed-in user may not delete this
    image or document (`message`, and `uses`: where it is used), or None if they may (or if `obj`
    is something else: generic delete pages may ask too)."""
    if not isinstance(obj, (AbstractImage, AbstractDocument)):
        return None
    user = context["request"].user
    message = media_refusal(user, obj)
    return {"message": message, "uses": media_uses(user, obj)} if message else None


@register.simple_tag(takes_context=True)
def media_change_refusal(context, obj):
    """{% media_change_refusal image as refusal %}: as media_delete_refusal, for the edit page:
    why the signed-in user may not change this image or document, said before they type."""
    user = context["request"].user
    message = media_refusal(user, obj, "change")
    return {"message": message, "uses": media_uses(user, obj)} if message else None


@hooks.register("register_actions")
def register_media_actions(registry):
    for model in (AbstractImage, AbstractDocument):
        registry.register(model, ProtectInUseMediaDeleteAction)
        registry.register(model, ProtectInUseMediaEditAction)


class InUseMediaBulkDeleteMixin:
    """Wagtail's bulk delete of images or documents, where media an Editor may not delete (in
    use) are listed with the reason among those "you don't have permission to delete", so the
    confirmation offers "Yes, delete" only for the others, and only those are deleted."""

    def check_perm(self, obj):
        return super().check_perm(obj) and media_refusal(self.request.user, obj) is None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        for entry in context["items_with_no_access"]:
            entry["refusal"] = media_refusal(self.request.user, entry["item"])
        return context

    def prepare_action(self, objects, objects_without_access):
        refusals = [media_refusal(self.request.user, obj) for obj in objects_without_access["items_with_no_access"]]
        for refusal in filter(None, refusals):
            messages.error(self.request, refusal)
        if any(refusals) and not objects:
            return redirect(self.next_url)
        return super().prepare_action(objects, objects_without_access)


class InUseImageBulkDelete(InUseMediaBulkDeleteMixin, ImageDeleteBulkAction):
    pass


class InUseDocumentBulkDelete(InUseMediaBulkDeleteMixin, DocumentDeleteBulkAction):
    pass


# After Wagtail's own (order 0): the registry keeps the last action registered for a model.
hooks.register("register_bulk_action", InUseImageBulkDelete, order=1)
hooks.register("register_bulk_action", InUseDocumentBulkDelete, order=1)


def page_deletion_refusal(user, page):
    """Why `user` may not delete `page` (and its subpages), or None if they may."""
    if is_publisher(user):
        return None
    pages = page.get_descendants(inclusive=True)
    if pages.exclude(owner=user).exists() or pages.filter(Q(live=True) | Q(first_published_at__isnull=False)).exists():
        return NOT_YOUR_PAGE.format(title=page.get_admin_display_title())
    return None


@hooks.register("before_delete_page")
def refuse_deleting_other_peoples_pages(request, page):
    refusal = page_deletion_refusal(request.user, page)
    if refusal:
        messages.error(request, refusal)
        return redirect(reverse("wagtailadmin_pages:edit", args=[page.pk]))
    return None


@hooks.register("before_bulk_action")
def refuse_bulk_deleting_what_is_public(request, action_type, objects, action_class_instance):
    if action_type != "delete":
        return None
    for obj in objects:
        if isinstance(obj, Page):
            refusal = page_deletion_refusal(request.user, obj)
            back = "wagtailadmin_explore_root"
        elif isinstance(obj, (AbstractImage, AbstractDocument)):
            refusal = media_refusal(request.user, obj)
            back = "wagtailimages:index" if isinstance(obj, AbstractImage) else "wagtaildocs:index"
        else:
            continue
        if refusal:
            messages.error(request, refusal)
            return redirect(reverse(back))
    return None


# --- Site history for Site administrators ---------------------------------------------------------

SITE_HISTORY_MENU_NAME = "site-history"


def manages_users(user):
    User = get_user_model()
    opts = User._meta
    return any(user.has_perm(f"{opts.app_label}.{action}_{opts.model_name}") for action in ("add", "change"))


@hooks.register("construct_reports_menu")
def site_history_for_user_managers(request, menu_items):
    """Reports → Site history for those who manage accounts (Site administrators).

    Wagtail shows it only to people with a permission on some page, which Site administrators
    have not; yet it is where account changes, role changes and two-factor resets are recorded
    (the reset page sends them there). The report itself is open to every admin user and lists
    only what the viewer has a permission on (for Site administrators: users, roles, settings,
    redirects), so no page history is revealed."""
    if manages_users(request.user) and not any(item.name == SITE_HISTORY_MENU_NAME for item in menu_items):
        menu_items.append(
            MenuItem(
                "Site history",
                reverse("wagtailadmin_reports:site_history"),
                name=SITE_HISTORY_MENU_NAME,
                icon_name="history",
                order=1000,
            )
        )


# --- The editor guide inside the admin -----------------------------------------------------------

GUIDE_DIR = Path(settings.BASE_DIR) / "docs"
# The documents the admin shows (a fixed list: the URL never names a file on disk).
GUIDES = {"editor-guide": "editor-guide.md", "two-factor": "two-factor.md"}


@lru_cache(maxsize=8)
def _render_markdown(name, mtime):
    md = markdown.Markdown(extensions=["tables", "toc", "sane_lists"], output_format="html")
    # No raw HTML from the file reaches the page: it is shown as text.
    md.preprocessors.deregister("html_block")
    md.inlinePatterns.deregister("html")
    html = md.convert((GUIDE_DIR / GUIDES[name]).read_text(encoding="utf-8"))

    # Links between the guides open the admin's copy; other repository links stay plain text.
    def link(match):
        slug, anchor = match.group(1), match.group(2) or ""
        if slug in GUIDES:
            return f'href="{reverse("dei_portal_guide", args=[slug])}{anchor}"'
        return match.group(0)

    return re.sub(r'href="(?:\./)?([\w-]+)\.md(#[\w-]+)?"', link, html)


def render_guide(name):
    path = GUIDE_DIR / GUIDES[name]
    return mark_safe(_render_markdown(name, path.stat().st_mtime))  # noqa: S308 - a repository file, raw HTML disabled


def guide_view(request, name="editor-guide"):
    if name not in GUIDES:
        raise PermissionDenied
    html = render_guide(name)
    title = re.search(r"<h1[^>]*>(.*?)</h1>", html)
    return render(
        request,
        "dei_portal/admin/guide.html",
        {"guide_html": html, "page_title": re.sub(r"<[^>]+>", "", title.group(1)) if title else "Guide"},
    )


@hooks.register("register_admin_urls")
def register_guide_urls():
    return [
        path("guide/", guide_view, name="dei_portal_guide_index"),
        path("guide/<slug:name>/", guide_view, name="dei_portal_guide"),
    ]


@hooks.register("register_admin_menu_item")
def register_guide_menu_item():
    return MenuItem("Editor guide", reverse("dei_portal_guide_index"), name="editor-guide", icon_name="help", order=900)


class GuidePanel(Component):
    """A dashboard panel: the roles in one line each, and the way to the editor guide."""

    name = "editor_guide"
    template_name = "dei_portal/admin/guide_panel.html"
    order = 50

    def get_context_data(self, parent_context):
        return {"roles": ROLE_DESCRIPTIONS.items(), "guide_url": reverse("dei_portal_guide_index")}


@hooks.register("construct_homepage_panels")
def add_guide_panel(request, panels):
    panels.append(GuidePanel())
