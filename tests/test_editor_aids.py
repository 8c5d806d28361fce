"""Editor aids: full accessibility checker, previews for everything, help text, review panel."""

import json
import re

import pytest
from bs4 import BeautifulSoup
from django.apps import apps
from django.contrib.auth.models import Group
from django.db import models
from django.test import Client
from django.utils.html import escape

from .conftest import login_verified

OUR_APPS = ("dei_portal", "offices", "announcements")
# Publishing fields from Wagtail's DraftStateMixin/LockableMixin: Wagtail labels and explains them.
WAGTAIL_MIXIN_FIELDS = {
    "live",
    "has_unpublished_changes",
    "first_published_at",
    "last_published_at",
    "go_live_at",
    "expire_at",
    "expired",
    "locked",
    "locked_at",
}


def test_userbar_accessibility_checker_runs_the_full_axe_rule_set(tree, superuser_client):
    html = superuser_client.get(tree["office"].url).content.decode()
    # The userbar lives in a <template>; read its JSON configuration straight from the markup.
    match = re.search(r'<script id="checker-axe-configuration" type="application/json">(.*?)</script>', html, re.S)
    config = json.loads(match.group(1))
    assert "runOnly" not in config["options"], "every non-experimental axe rule runs"
    assert config["options"]["rules"] == {}


@pytest.mark.parametrize(
    "key",
    [
        "home",
        "offices",
        "office",
        "organizations",
        "organization",
        "statements",
        "statement",
        "announcements",
        "announcement",
        "standard",
    ],
)
def test_every_page_type_has_a_preview(tree, key, superuser):
    page = tree[key]
    response = page.make_preview_request(original_request=None, preview_mode=page.default_preview_mode)
    assert response.status_code == 200
    assert escape(page.title) in response.rendered_content


def test_notices_have_a_preview(tree):
    notice = tree["notice"]
    notice.text = "Draft words only the editor sees."
    response = notice.make_preview_request(original_request=None, preview_mode=notice.default_preview_mode)
    html = response.rendered_content
    assert response.status_code == 200 and "Draft words only the editor sees." in html
    assert "Dismiss notice: Announcements" in html


def editable_fields(model):
    own = [f for f in model._meta.get_fields() if getattr(f, "model", None) is model or f.model in model.__mro__]
    for field in own:
        if not isinstance(field, models.Field) or not field.editable or field.auto_created:
            continue
        if field.model._meta.app_label not in OUR_APPS and not field.model._meta.abstract:
            continue  # Wagtail's own fields (title, slug, …) carry Wagtail's help text
        if field.name in {"id", "page_ptr", "sort_order", "site", "page"} or field.name.startswith("_"):
            continue
        yield field


@pytest.mark.parametrize(
    "model",
    [m for app in OUR_APPS for m in apps.get_app_config(app).get_models() if m._meta.model_name != "user"],
    ids=lambda m: m.__name__,
)
def test_every_field_says_what_it_is_for(model):
    missing = [
        f.name
        for f in editable_fields(model)
        if f.model._meta.app_label in OUR_APPS and not f.help_text and f.name not in WAGTAIL_MIXIN_FIELDS
    ]
    assert not missing, f"{model.__name__}: no help text on {missing}"


def test_dashboard_tells_a_moderator_what_awaits_review(tree, django_user_model):
    editor = django_user_model.objects.create_user("editor", "editor@example.edu", "long-enough-password-1")
    editor.groups.add(Group.objects.get(name="Editors"))
    moderator = django_user_model.objects.create_user("moderator", "mod@example.edu", "long-enough-password-1")
    moderator.groups.add(Group.objects.get(name="Moderators"))
    office = tree["office"]
    office.save_revision(user=editor)
    office.get_workflow().start(office, editor)
    notice = tree["notice"]
    notice.save_revision(user=editor)
    notice.get_workflow().start(notice, editor)

    page = BeautifulSoup(login_verified(Client(), moderator).get("/admin/").content, "html.parser")
    text = page.get_text(" ", strip=True)
    assert "Awaiting your review" in text
    assert "Office of Diversity Programs" in text and "Announcements" in text


@pytest.mark.parametrize(
    "parent_key, app, model",
    [
        ("home", "dei_portal", "standardpage"),
        ("offices", "offices", "officepage"),
        ("organizations", "offices", "organizationpage"),
        ("statements", "dei_portal", "statementpage"),
        ("announcements", "announcements", "announcementpage"),
    ],
)
def test_each_field_appears_once_in_the_editor(superuser_client, tree, parent_key, app, model):
    """Two inputs with one name would silently drop what the editor typed into the first."""
    from collections import Counter

    from django.urls import reverse

    html = superuser_client.get(reverse("wagtailadmin_pages:add", args=[app, model, tree[parent_key].pk])).content
    form = BeautifulSoup(html, "html.parser").select_one("form#page-edit-form")
    names = Counter(
        field["name"]
        for field in form.select("input[name], textarea[name], select[name]")
        if field.get("type") not in ("hidden", "radio", "checkbox", "submit")
    )
    assert [name for name, count in names.items() if count > 1] == []
    ids = Counter(field["id"] for field in form.select("[id]"))
    assert [i for i, count in ids.items() if count > 1 and i.startswith("id_")] == []
