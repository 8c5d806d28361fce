"""Every row of the role table in docs/editor-guide.md, tried from the side of each role.

ROLE_TABLE below mirrors the guide's table (a test checks they agree). For each area, role and
action, `attempt` does what an admin user's browser does (real HTTP posts to the admin) and
asserts the outcome the table promises: forbidden actions are refused (a 403 or a redirect) and
leave the database and the public site unchanged; allowed ones work.
"""

import json
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from wagtail.contrib.redirects.models import Redirect
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.images.tests.utils import get_test_image_file
from wagtail.models import Page, Site, WorkflowState

from announcements.models import AnnouncementCategory, SiteNotice
from dei_portal.models import FooterSettings
from offices.models import Audience, OfficePage
from tests.factories.site import StandardPageFactory

from .conftest import login_verified, office_form
from .test_roles import PASSWORD, notice_data, office_data
from .test_roles import form_fields as first_form_fields

AREAS = ["Pages", "Notices", "Audiences and categories", "Images and documents", "Users", "Settings and redirects"]
ROLES = ["Editors", "Moderators", "Publishers", "Site administrators"]
ACTIONS = ["Create", "Edit", "Publish", "Delete"]
FULL = ("yes", "yes", "yes", "yes")
NONE = ("no", "no", "no", "no")

# (area, role) -> (create, edit, publish, delete), exactly as in docs/editor-guide.md.
ROLE_TABLE = {
    ("Pages", "Editors"): ("draft", "draft", "submit for review", "own unpublished"),
    ("Pages", "Moderators"): FULL,
    ("Pages", "Publishers"): FULL,
    ("Pages", "Site administrators"): NONE,
    ("Notices", "Editors"): ("draft", "draft", "submit for review", "no"),
    ("Notices", "Moderators"): FULL,
    ("Notices", "Publishers"): FULL,
    ("Notices", "Site administrators"): NONE,
    ("Audiences and categories", "Editors"): NONE,
    ("Audiences and categories", "Moderators"): ("yes", "yes", "on save", "yes"),
    ("Audiences and categories", "Publishers"): ("yes", "yes", "on save", "yes"),
    ("Audiences and categories", "Site administrators"): NONE,
    ("Images and documents", "Editors"): ("yes", "unused only", "on save", "unused only"),
    ("Images and documents", "Moderators"): ("yes", "yes", "on save", "yes"),
    ("Images and documents", "Publishers"): ("yes", "yes", "on save", "yes"),
    ("Images and documents", "Site administrators"): NONE,
    ("Users", "Editors"): NONE,
    ("Users", "Moderators"): NONE,
    ("Users", "Publishers"): NONE,
    ("Users", "Site administrators"): ("yes", "yes", "no", "no"),
    ("Settings and redirects", "Editors"): NONE,
    ("Settings and redirects", "Moderators"): NONE,
    ("Settings and redirects", "Publishers"): NONE,
    ("Settings and redirects", "Site administrators"): ("yes", "yes", "on save", "yes"),
}

CASES = [
    pytest.param(
        area, role, action, ROLE_TABLE[area, role][i], id=f"{area}-{role}-{action}-{ROLE_TABLE[area, role][i]}"
    )
    for area in AREAS
    for role in ROLES
    for i, action in enumerate(ACTIONS)
]


def test_the_guide_and_this_table_agree():
    guide = (Path(__file__).resolve().parent.parent / "docs" / "editor-guide.md").read_text()
    rows = {}
    for line in guide.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 6 and cells[0] in AREAS:
            rows[cells[0], cells[1]] = tuple(cells[2:])
    assert rows == ROLE_TABLE


# --- The world each attempt starts from -----------------------------------------------------------


def refused(response):
    """A refusal: 403, or a redirect away (to the dashboard, login or the object's own page)."""
    assert response.status_code in (302, 403), response.status_code


def form_fields(client, url, **values):
    """The admin's edit form at `url` (its main editor form), as a browser would submit it."""
    page = BeautifulSoup(client.get(url).content, "html.parser")
    form = page.select_one("form#w-editor-form")
    if form is None:
        return first_form_fields(client, url, **values)
    data = {}
    for field in form.select("input[name], select[name], textarea[name]"):
        name, kind = field["name"], field.get("type", "")
        if kind in ("checkbox", "radio") and not field.has_attr("checked"):
            continue
        if field.name == "select":
            chosen = field.select_one("option[selected]")
            data[name] = chosen["value"] if chosen else ""
        elif field.name == "textarea":
            data[name] = field.get_text()
        elif kind not in ("submit", "button", "file"):
            data[name] = field.get("value", "on" if kind == "checkbox" else "")
    data.update(values)
    return data


def png(name="new.png"):
    return SimpleUploadedFile(name, get_test_image_file().file.getvalue())


@pytest.fixture
def world(tree, django_user_model, superuser):
    users = {}
    for role in ROLES:
        user = django_user_model.objects.create_user(
            role.split()[0].lower(), f"{role.split()[0].lower()}@example.edu", PASSWORD, first_name="A", last_name="B"
        )
        user.groups.set([Group.objects.get(name=role)])
        users[role] = user
    Image, Document = get_image_model(), get_document_model()
    used_image = Image.objects.create(title="Used image", file=get_test_image_file(filename="used.png"))
    unused_image = Image.objects.create(title="Unused image", file=get_test_image_file(filename="unused.png"))
    used_document = Document.objects.create(
        title="Used document", file=SimpleUploadedFile("used.pdf", b"%PDF-1.4\n%%EOF")
    )
    unused_document = Document.objects.create(
        title="Unused document", file=SimpleUploadedFile("unused.pdf", b"%PDF-1.4\n%%EOF")
    )
    page = tree["standard"]
    page.body = json.dumps(
        [
            {
                "type": "figure",
                "value": {
                    "image": {"image": used_image.pk, "alt_text": "The quad", "decorative": False},
                    "caption": "",
                },
            },
            {"type": "download", "value": {"document": used_document.pk, "text": ""}},
        ]
    )
    page.save_revision().publish()
    assert used_image.get_usage().count() and used_document.get_usage().count() and not unused_image.get_usage().count()
    return {
        "tree": tree,
        "users": users,
        "admin": login_verified(Client(), superuser),
        "used": [used_image, used_document],
        "unused": [unused_image, unused_document],
        "redirect": Redirect.objects.create(
            old_path="/old-page", redirect_link="https://example.edu/first/", site=Site.objects.get()
        ),
        "spare_audience": Audience.objects.create(name="Spare audience", heading="For spare people"),
        "spare_category": AnnouncementCategory.objects.create(name="Spare category", slug="spare-category"),
    }


# --- Pages ------------------------------------------------------------------------------------


def pages_create(expected, client, user, w):
    parent = w["tree"]["offices"]
    response = client.post(
        reverse("wagtailadmin_pages:add", args=["offices", "officepage", parent.pk]),
        {**office_form(w["tree"]["md"], slug="new-office"), "action-publish": "publish"},
    )
    created = OfficePage.objects.filter(slug="new-office").first()
    if expected == "no":
        refused(response)
        assert created is None
    else:
        assert created is not None and created.live == (expected == "yes")
        assert (Client().get("/offices/new-office/").status_code == 200) == (expected == "yes")


def pages_edit(expected, client, user, w):
    office = w["tree"]["office"]
    response = client.post(
        reverse("wagtailadmin_pages:edit", args=[office.pk]), office_data(office, title="Edited title")
    )
    office = OfficePage.objects.get(pk=office.pk)
    assert office.title == "Office of Diversity Programs"  # live version: editing only saves a draft
    if expected == "no":
        refused(response)
        assert office.get_latest_revision_as_object().title == "Office of Diversity Programs"
    else:
        assert office.get_latest_revision_as_object().title == "Edited title"


def pages_publish(expected, client, user, w):
    office = w["tree"]["office"]
    edit = reverse("wagtailadmin_pages:edit", args=[office.pk])
    response = client.post(edit, {**office_data(office, title="Published title"), "action-publish": "publish"})
    public = Client().get(office.url).content.decode()
    if expected == "yes":
        assert OfficePage.objects.get(pk=office.pk).title == "Published title" and "Published title" in public
        return
    assert (
        OfficePage.objects.get(pk=office.pk).title == "Office of Diversity Programs" and "Published title" not in public
    )
    if expected == "no":
        refused(response)
        return
    assert expected == "submit for review"
    client.post(edit, {**office_data(office, title="Published title"), "action-submit": "submit"})
    assert WorkflowState.objects.filter(object_id=str(office.pk), status="in_progress", requested_by=user).exists()
    assert OfficePage.objects.get(pk=office.pk).title == "Office of Diversity Programs"


def pages_delete(expected, client, user, w):
    live = w["tree"]["standard"]
    someone_elses = StandardPageFactory(
        parent=w["tree"]["home"],
        title="Someone else's draft",
        live=False,
        owner=w["users"]["Moderators"] if user.username != "moderators" else w["users"]["Editors"],
    )
    own = StandardPageFactory(
        parent=w["tree"]["home"], title="My draft", live=False, owner=user, first_published_at=None
    )
    responses = {
        page.pk: client.post(reverse("wagtailadmin_pages:delete", args=[page.pk]))
        for page in (live, someone_elses, own)
    }
    remaining = set(Page.objects.filter(pk__in=responses).values_list("pk", flat=True))
    if expected == "yes":
        assert remaining == set()
        assert Client().get("/accessibility-statement/").status_code == 404
        return
    for page in (live, someone_elses):
        refused(responses[page.pk])
        assert page.pk in remaining
    assert Client().get(live.url).status_code == 200
    if expected == "own unpublished":
        assert own.pk not in remaining
    else:
        assert expected == "no" and own.pk in remaining


# --- Notices ------------------------------------------------------------------------------------

NOTICE = "wagtailsnippets_announcements_sitenotice"


def notices_create(expected, client, user, w):
    response = client.post(
        reverse(f"{NOTICE}:add"),
        {
            **notice_data(
                SiteNotice(heading="Road closure", text="Euclid Ave. is closed."),
            ),
            "action-publish": "publish",
        },
    )
    created = SiteNotice.objects.filter(heading="Road closure").first()
    home = Client().get("/").content.decode()
    if expected == "no":
        refused(response)
        assert created is None
    else:
        assert created is not None and created.live == (expected == "yes")
        assert ("Euclid Ave. is closed." in home) == (expected == "yes")


def notices_edit(expected, client, user, w):
    notice = w["tree"]["notice"]
    response = client.post(reverse(f"{NOTICE}:edit", args=[notice.pk]), notice_data(notice, heading="Edited"))
    notice = SiteNotice.objects.get(pk=notice.pk)
    assert notice.heading == "Announcements" and "Edited" not in Client().get("/").content.decode()
    latest = notice.get_latest_revision_as_object().heading
    if expected == "no":
        refused(response)
        assert latest == "Announcements"
    else:
        assert latest == "Edited"


def notices_publish(expected, client, user, w):
    notice = w["tree"]["notice"]
    edit = reverse(f"{NOTICE}:edit", args=[notice.pk])
    response = client.post(edit, {**notice_data(notice, text="Published text."), "action-publish": "publish"})
    shown = "Published text." in Client().get("/").content.decode()
    if expected == "yes":
        assert SiteNotice.objects.get(pk=notice.pk).text == "Published text." and shown
        return
    assert SiteNotice.objects.get(pk=notice.pk).text == "Campus news and more." and not shown
    if expected == "no":
        refused(response)
        return
    client.post(edit, {**notice_data(notice, text="Published text."), "action-submit": "submit"})
    assert WorkflowState.objects.filter(object_id=str(notice.pk), status="in_progress", requested_by=user).exists()
    assert SiteNotice.objects.get(pk=notice.pk).text == "Campus news and more."


def notices_delete(expected, client, user, w):
    notice = w["tree"]["notice"]
    response = client.post(reverse(f"{NOTICE}:delete", args=[notice.pk]))
    exists = SiteNotice.objects.filter(pk=notice.pk).exists()
    if expected == "yes":
        assert not exists and "Campus news and more." not in Client().get("/").content.decode()
    else:
        refused(response)
        assert exists and "Campus news and more." in Client().get("/").content.decode()


# --- Audiences and announcement categories -------------------------------------------------------

TAXONOMY = [
    ("wagtailsnippets_offices_audience", Audience),
    ("wagtailsnippets_announcements_announcementcategory", AnnouncementCategory),
]


def taxonomy_create(expected, client, user, w):
    for url_name, model in TAXONOMY:
        data = form_fields(
            w["admin"], reverse(f"{url_name}:add"), name="Brand new", heading="For the brand new", slug="brand-new"
        )
        response = client.post(reverse(f"{url_name}:add"), data)
        exists = model.objects.filter(name="Brand new").exists()
        if expected == "yes":
            assert exists, model
        else:
            refused(response)
            assert not exists, model


def taxonomy_edit(expected, client, user, w, check_public=False):
    md = w["tree"]["md"]
    category = w["tree"]["announcement"].category
    for url_name, obj in [(TAXONOMY[0][0], md), (TAXONOMY[1][0], category)]:
        url = reverse(f"{url_name}:edit", args=[obj.pk])
        response = client.post(url, form_fields(w["admin"], url, name=f"Renamed {obj.pk}"))
        renamed = type(obj).objects.get(pk=obj.pk).name == f"Renamed {obj.pk}"
        if expected == "no":
            refused(response)
            assert not renamed, url_name
        else:
            assert renamed, url_name
    office_html = Client().get(w["tree"]["office"].url).content.decode().lower()
    assert (f"renamed {md.pk}" in office_html) == (expected != "no")  # no draft: public at once


def taxonomy_publish(expected, client, user, w):
    assert expected in ("on save", "no")
    taxonomy_edit(expected, client, user, w)


def taxonomy_delete(expected, client, user, w):
    for url_name, obj in [(TAXONOMY[0][0], w["spare_audience"]), (TAXONOMY[1][0], w["spare_category"])]:
        response = client.post(reverse(f"{url_name}:delete", args=[obj.pk]))
        exists = type(obj).objects.filter(pk=obj.pk).exists()
        if expected == "yes":
            assert not exists, url_name
        else:
            refused(response)
            assert exists, url_name


# --- Images and documents ---------------------------------------------------------------------------

MEDIA_URLS = {"image": "wagtailimages", "document": "wagtaildocs"}


def url_for(obj, view):
    return reverse(f"{MEDIA_URLS[obj._meta.model_name]}:{view}", args=[obj.pk])


def media_create(expected, client, user, w):
    image = client.post(
        reverse("wagtailimages:add"), {"title": "Uploaded", "file": png(), "collection": 1, "description": "A test"}
    )
    document = client.post(
        reverse("wagtaildocs:add"),
        {"title": "Uploaded", "file": SimpleUploadedFile("new.pdf", b"%PDF-1.4\n%%EOF"), "collection": 1},
    )
    for response, model in ((image, get_image_model()), (document, get_document_model())):
        exists = model.objects.filter(title="Uploaded").exists()
        if expected == "yes":
            assert exists, model
        else:
            refused(response)
            assert not exists, model


def try_rename(client, w, obj):
    url = url_for(obj, "edit")
    data = form_fields(w["admin"], url, title=f"Renamed {obj.title}")
    return client.post(url, data), type(obj).objects.get(pk=obj.pk).title == f"Renamed {obj.title}"


def media_edit(expected, client, user, w):
    for obj in w["used"]:
        response, changed = try_rename(client, w, obj)
        assert changed == (expected == "yes"), obj
        if expected == "unused only":
            # Allowed to edit media, not this one: the form comes back with the reason.
            assert response.status_code == 200, response.status_code
            assert "so only a Moderator or Publisher can change it" in response.content.decode()
        elif not changed:
            refused(response)
    for obj in w["unused"]:
        response, changed = try_rename(client, w, obj)
        assert changed == (expected != "no"), obj
        if not changed:
            refused(response)


def media_publish(expected, client, user, w):
    """No drafts: a change is public as soon as it is saved (the document's title is its link text)."""
    assert expected in ("on save", "no")
    document = w["used"][1]
    response, changed = try_rename(client, w, document if user.username != "editors" else w["unused"][1])
    assert changed == (expected == "on save")
    if user.username != "editors":
        public = Client().get(w["tree"]["standard"].url).content.decode()
        assert (f"Renamed {document.title}" in public) == changed
    if not changed:
        refused(response)


def media_delete(expected, client, user, w):
    for obj in w["used"]:
        response = client.post(url_for(obj, "delete"))
        exists = type(obj).objects.filter(pk=obj.pk).exists()
        assert exists == (expected != "yes"), obj
        if exists:
            refused(response)
    for obj in w["unused"]:
        response = client.post(url_for(obj, "delete"))
        exists = type(obj).objects.filter(pk=obj.pk).exists()
        assert exists == (expected == "no"), obj
        if exists:
            refused(response)


# --- Users -------------------------------------------------------------------------------------------


def users_create(expected, client, user, w):
    response = client.post(
        "/admin/users/new/",
        {
            "username": "newcomer",
            "email": "newcomer@example.edu",
            "first_name": "New",
            "last_name": "Comer",
            "password1": "",
            "password2": "",
            "groups": [Group.objects.get(name="Editors").pk],
        },
    )
    exists = type(user).objects.filter(username="newcomer").exists()
    assert exists == (expected == "yes")
    if not exists:
        refused(response)


def users_edit(expected, client, user, w):
    target = w["users"]["Editors"] if user.username != "editors" else w["users"]["Moderators"]
    response = client.post(
        reverse("wagtailusers_users:edit", args=[target.pk]),
        {
            "username": target.username,
            "email": target.email,
            "first_name": "Changed",
            "last_name": "B",
            "password1": "",
            "password2": "",
            "is_active": "on",
            "groups": [g.pk for g in target.groups.all()],
        },
    )
    changed = type(user).objects.get(pk=target.pk).first_name == "Changed"
    assert changed == (expected == "yes")
    if not changed:
        refused(response)


def users_publish(expected, client, user, w):
    """Accounts are never public: there is nothing to publish, for anyone."""
    assert expected == "no"


def users_delete(expected, client, user, w):
    assert expected == "no"  # deactivate, never delete (dei_portal/accounts/wagtail_hooks.py)
    target = w["users"]["Editors"] if user.username != "editors" else w["users"]["Moderators"]
    response = client.post(reverse("wagtailusers_users:delete", args=[target.pk]))
    refused(response)
    assert type(user).objects.filter(pk=target.pk).exists()


# --- Settings and redirects -------------------------------------------------------------------------


def settings_create(expected, client, user, w):
    response = client.post(
        reverse("wagtailredirects:add"),
        form_fields(
            w["admin"], reverse("wagtailredirects:add"), old_path="/brand-new", redirect_link="https://example.edu/new/"
        ),
    )
    exists = Redirect.objects.filter(old_path="/brand-new").exists()
    assert exists == (expected == "yes")
    if not exists:
        refused(response)


def footer_url():
    return f"/admin/settings/dei_portal/footersettings/{Site.objects.get().pk}/"


def settings_edit(expected, client, user, w):
    response = client.post(
        footer_url(),
        form_fields(
            w["admin"],
            footer_url(),
            contact_heading="Talk to us",
            **{"social_links-count": "0", "legal_links-count": "0"},
        ),
    )
    url = reverse("wagtailredirects:edit", args=[w["redirect"].pk])
    redirect_response = client.post(url, form_fields(w["admin"], url, redirect_link="https://example.edu/second/"))
    footer_changed = FooterSettings.for_site(Site.objects.get()).contact_heading == "Talk to us"
    redirect_changed = Redirect.objects.get(pk=w["redirect"].pk).redirect_link == "https://example.edu/second/"
    assert footer_changed == redirect_changed == (expected != "no")
    if expected == "no":
        refused(response)
        refused(redirect_response)


def settings_publish(expected, client, user, w):
    assert expected in ("on save", "no")
    settings_edit("yes" if expected == "on save" else "no", client, user, w)
    home = Client().get("/").content.decode()
    followed = Client().get("/old-page")
    assert ("Talk to us" in home) == (expected == "on save")
    target = "https://example.edu/second/" if expected == "on save" else "https://example.edu/first/"
    assert followed.status_code in (301, 302) and followed["Location"] == target


def settings_delete(expected, client, user, w):
    response = client.post(reverse("wagtailredirects:delete", args=[w["redirect"].pk]))
    exists = Redirect.objects.filter(pk=w["redirect"].pk).exists()
    assert exists == (expected != "yes")
    if exists:
        refused(response)
        assert Client().get("/old-page").status_code in (301, 302)


ATTEMPTS = {
    "Pages": (pages_create, pages_edit, pages_publish, pages_delete),
    "Notices": (notices_create, notices_edit, notices_publish, notices_delete),
    "Audiences and categories": (taxonomy_create, taxonomy_edit, taxonomy_publish, taxonomy_delete),
    "Images and documents": (media_create, media_edit, media_publish, media_delete),
    "Users": (users_create, users_edit, users_publish, users_delete),
    "Settings and redirects": (settings_create, settings_edit, settings_publish, settings_delete),
}


@pytest.mark.parametrize(("area", "role", "action", "expected"), CASES)
def test_role_table_row(world, area, role, action, expected):
    user = world["users"][role]
    client = login_verified(Client(), user)
    ATTEMPTS[area][ACTIONS.index(action)](expected, client, user, world)
