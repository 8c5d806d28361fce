"""What a new user met in the admin, fixed (dei_portal/accounts/admin_roles.py and its templates):

- an image or document in use: its delete pages say why an Editor may not delete it and where it
  is used, and offer no "Yes, delete" (the server still refuses a post);
- audiences and announcement categories: an Editor sees who may change them, and no checkboxes
  or bulk "Delete" that could only end in a refusal;
- the users list names each person's role in the singular, and superusers as such;
- "Combine roles" has a label beside its checkbox;
- Site administrators find Reports → Site history, where the reset-two-factor page sends them.

Through the test client with real admin requests; attacker's-side checks leave the database as
it was.
"""

import json
import re

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.images.tests.utils import get_test_image_file

from announcements.models import AnnouncementCategory
from dei_portal.accounts.admin_roles import COMBINE_ROLES_HELP
from offices.models import Audience

from .conftest import login_verified

PASSWORD = "long-enough-password-1"


def member(django_user_model, username, *groups, **extra):
    user = django_user_model.objects.create_user(username, f"{username}@example.edu", PASSWORD, **extra)
    user.groups.set([Group.objects.get(name=name) for name in groups])
    return user


@pytest.fixture
def editor(db, django_user_model):
    return member(django_user_model, "editor", "Editors")


@pytest.fixture
def moderator(db, django_user_model):
    return member(django_user_model, "moderator", "Moderators")


@pytest.fixture
def site_admin(db, django_user_model):
    return member(django_user_model, "siteadministrator", "Site administrators")


def signed_in(user, verified=False):
    client = Client()
    if verified:
        return login_verified(client, user)
    client.force_login(user)
    return client


def soup(response):
    assert response.status_code == 200, response.status_code
    return BeautifulSoup(response.content, "html.parser")


def text(response):
    return re.sub(r"\s+", " ", soup(response).get_text(" "))


def followed_messages(response):
    return " ".join(m.get_text(" ", strip=True) for m in soup(response).select(".messages li"))


# --- Images and documents in use ------------------------------------------------------------------


@pytest.fixture
def media(tree):
    """An image and a document used on a live page, and an unused one of each."""
    Image, Document = get_image_model(), get_document_model()
    used_image = Image.objects.create(title="Quad in spring", file=get_test_image_file(filename="quad.png"))
    used_document = Document.objects.create(
        title="Annual report", file=SimpleUploadedFile("report.pdf", b"%PDF-1.4\n%%EOF")
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
    return {
        "page": page,
        "used": [used_image, used_document],
        "unused": [
            Image.objects.create(title="Spare photo", file=get_test_image_file(filename="spare.png")),
            Document.objects.create(title="Spare form", file=SimpleUploadedFile("spare.pdf", b"%PDF-1.4\n%%EOF")),
        ],
    }


def delete_url(obj):
    name = "wagtailimages:delete" if isinstance(obj, get_image_model()) else "wagtaildocs:delete"
    return reverse(name, args=[obj.pk])


def bulk_delete_url(objects):
    model = type(objects[0])._meta
    ids = "&".join(f"id={obj.pk}" for obj in objects)
    listing = "/admin/images/" if model.app_label == "wagtailimages" else "/admin/documents/"
    return reverse("wagtail_bulk_action", args=[model.app_label, model.model_name, "delete"]) + f"?{ids}&next={listing}"


def offers_delete(page):
    """Whether the page has a form whose button deletes (Wagtail's "Yes, delete")."""
    return any(
        control.get("value") == "Yes, delete" or control.get_text(strip=True) == "Yes, delete"
        for control in page.select("main form[method=post] button, main form[method=post] input[type=submit]")
    )


def test_in_use_image_delete_page_says_why_lists_the_uses_and_offers_no_delete(editor, media):
    image = media["used"][0]
    page = soup(signed_in(editor).get(delete_url(image)))
    main = re.sub(r"\s+", " ", page.select_one("main").get_text(" "))
    assert "“Quad in spring” is used on the site (1 use), so only a Moderator or Publisher can delete it." in main
    assert "Where it is used" in main and "Accessibility statement" in main
    assert page.select_one(f'main a[href="{reverse("wagtailadmin_pages:edit", args=[media["page"].pk])}"]')
    assert not offers_delete(page)
    assert not page.select(f'main form[action="{delete_url(image)}"]')


def edit_url(obj):
    name = "wagtailimages:edit" if isinstance(obj, get_image_model()) else "wagtaildocs:edit"
    return reverse(name, args=[obj.pk])


def edit_form_data(page, **values):
    """The edit form's fields as a browser submits them (no new file), with `values` typed in."""
    form = page.select_one("main form[method=post]")
    data = {}
    for field in form.select("input[name], select[name], textarea[name]"):
        kind = field.get("type", "")
        if kind in ("submit", "button", "file") or (kind in ("checkbox", "radio") and not field.has_attr("checked")):
            continue
        if field.name == "select":
            chosen = field.select_one("option[selected]") or field.select_one("option")
            data[field["name"]] = chosen["value"]
        else:
            data[field["name"]] = field.get_text() if field.name == "textarea" else field.get("value", "")
    return {**data, **values}


def offers_save(page):
    return bool(page.select("main form[method=post] footer button[type=submit]"))


@pytest.mark.parametrize("index", [0, 1], ids=["image", "document"])
def test_in_use_media_edit_page_says_why_before_the_editor_types_and_offers_no_save(editor, media, index):
    obj = media["used"][index]
    page = soup(signed_in(editor).get(edit_url(obj)))
    main = re.sub(r"\s+", " ", page.select_one("main").get_text(" "))
    assert f"“{obj.title}” is used on the site (1 use), so only a Moderator or Publisher can change it." in main
    assert "Where it is used" in main and "Accessibility statement" in main
    assert page.select_one(f'main a[href="{reverse("wagtailadmin_pages:edit", args=[media["page"].pk])}"]')
    assert not offers_save(page)


@pytest.mark.parametrize("index", [0, 1], ids=["image", "document"])
def test_an_editors_change_to_media_in_use_comes_back_with_the_reason_and_what_was_typed(editor, media, index):
    obj = media["used"][index]
    title = obj.title
    client = signed_in(editor)
    data = edit_form_data(soup(client.get(edit_url(obj))), title="Renamed by an editor")
    response = client.post(edit_url(obj), data)
    page = soup(response)  # the form again (200), not the permission page
    assert page.select_one("input[name=title]")["value"] == "Renamed by an editor"
    main = re.sub(r"\s+", " ", page.select_one("main").get_text(" "))
    assert f"“{obj.title}” is used on the site (1 use), so only a Moderator or Publisher can change it." in main
    obj.refresh_from_db()
    assert obj.title == title


@pytest.mark.parametrize("index", [0, 1], ids=["image", "document"])
def test_unused_media_and_a_moderator_still_edit_with_wagtails_form(editor, moderator, media, index):
    unused, used = media["unused"][index], media["used"][index]
    client = signed_in(editor)
    page = soup(client.get(edit_url(unused)))
    assert offers_save(page) and "only a Moderator or Publisher" not in page.get_text()
    assert client.post(edit_url(unused), edit_form_data(page, title="Spare, renamed")).status_code == 302
    unused.refresh_from_db()
    assert unused.title == "Spare, renamed"

    moderator_client = signed_in(moderator, verified=True)
    page = soup(moderator_client.get(edit_url(used)))
    assert offers_save(page) and "only a Moderator or Publisher" not in page.get_text()
    assert (
        moderator_client.post(edit_url(used), edit_form_data(page, title="Renamed by a moderator")).status_code == 302
    )
    used.refresh_from_db()
    assert used.title == "Renamed by a moderator"


def test_the_server_still_refuses_an_editor_deleting_media_in_use(editor, media):
    client = signed_in(editor)
    for obj in media["used"]:
        response = client.post(delete_url(obj))
        assert response.status_code in (302, 403)
        assert type(obj).objects.filter(pk=obj.pk).exists(), obj


def test_unused_image_and_a_moderator_still_get_wagtails_delete_page(editor, moderator, media):
    unused_image, used_image = media["unused"][0], media["used"][0]
    assert offers_delete(soup(signed_in(editor).get(delete_url(unused_image))))
    moderator_client = signed_in(moderator, verified=True)
    page = soup(moderator_client.get(delete_url(used_image)))
    assert offers_delete(page) and "only a Moderator or Publisher" not in page.get_text()
    assert moderator_client.post(delete_url(used_image)).status_code == 302
    assert not get_image_model().objects.filter(pk=used_image.pk).exists()


def test_in_use_document_delete_page_says_why_and_offers_no_delete(editor, media):
    page = soup(signed_in(editor).get(delete_url(media["used"][1])))
    assert "so only a Moderator or Publisher can delete it" in page.get_text() and not offers_delete(page)


@pytest.mark.parametrize("kind", [0, 1], ids=["images", "documents"])
def test_bulk_delete_lists_in_use_media_with_the_reason_and_deletes_only_the_others(editor, media, kind):
    used, unused = media["used"][kind], media["unused"][kind]
    model = type(used)
    client = signed_in(editor)

    # Only media in use: the reason, and nothing to confirm.
    page = soup(client.get(bulk_delete_url([used])))
    assert (
        f"“{used.title}” is used on the site (1 use), so only a Moderator or Publisher can delete it."
        in page.get_text()
    )
    assert not offers_delete(page)

    # With an unused one: "Yes, delete" for that one only, the other listed with its reason.
    url = bulk_delete_url([used, unused])
    page = soup(client.get(url))
    assert offers_delete(page)
    confirm_list, refused_list = page.select("main .nice-padding > ul")
    assert unused.title in confirm_list.get_text() and used.title not in confirm_list.get_text()
    assert used.title in refused_list.get_text() and "only a Moderator or Publisher" in refused_list.get_text()

    response = client.post(url, follow=True)
    assert not model.objects.filter(pk=unused.pk).exists()
    assert model.objects.filter(pk=used.pk).exists()
    assert f"“{used.title}” is used on the site" in followed_messages(response)


def test_bulk_delete_of_only_media_in_use_is_refused_with_the_reason(editor, media):
    for used in media["used"]:
        response = signed_in(editor).post(bulk_delete_url([used]), follow=True)
        assert "is used on the site (1 use)" in followed_messages(response)
        assert type(used).objects.filter(pk=used.pk).exists()


def test_moderators_bulk_delete_media_in_use(moderator, media):
    client = signed_in(moderator, verified=True)
    for used in media["used"]:
        page = soup(client.get(bulk_delete_url([used])))
        assert offers_delete(page) and "only a Moderator or Publisher" not in page.get_text()
        client.post(bulk_delete_url([used]))
        assert not type(used).objects.filter(pk=used.pk).exists()


# --- Audiences and announcement categories --------------------------------------------------------

TAXONOMY = [
    ("wagtailsnippets_offices_audience", "audiences", Audience),
    ("wagtailsnippets_announcements_announcementcategory", "announcement categories", AnnouncementCategory),
]


def bulk_controls(page):
    return page.select("main input[type=checkbox], [data-bulk-action-footer], a[href*='/admin/bulk/']")


@pytest.mark.parametrize("url_name,things,model", TAXONOMY, ids=["audiences", "categories"])
def test_editors_see_who_changes_taxonomy_and_no_controls(editor, tree, url_name, things, model):
    client = signed_in(editor)
    page = soup(client.get(reverse(f"{url_name}:list")))
    note = re.sub(r"\s+", " ", page.select_one("main").get_text(" "))
    assert f"Only Moderators and Publishers can add, rename or delete {things}" in note
    assert model.objects.first().name in note  # the list itself is still shown
    assert not bulk_controls(page)
    assert not page.select(f'main a[href^="{reverse(f"{url_name}:add")}"]')
    assert not page.select(f'main a[href^="{reverse(f"{url_name}:edit", args=[model.objects.first().pk])}"]')
    # The listing's search and ordering re-render only the results: no checkboxes there either.
    results = soup(client.get(reverse(f"{url_name}:list_results")))
    assert results.select("table tbody tr") and not bulk_controls(results)


@pytest.mark.parametrize("url_name,things,model", TAXONOMY, ids=["audiences", "categories"])
def test_moderators_keep_the_taxonomy_controls(moderator, tree, url_name, things, model):
    page = soup(signed_in(moderator, verified=True).get(reverse(f"{url_name}:list")))
    assert "Only Moderators and Publishers" not in page.get_text()
    assert page.select("main tbody input.bulk-action-checkbox") and page.select("[data-bulk-action-footer]")
    assert page.select(f'a[href^="{reverse(f"{url_name}:add")}"]')


@pytest.mark.parametrize("url_name,things,model", TAXONOMY, ids=["audiences", "categories"])
def test_an_editor_posting_a_taxonomy_bulk_delete_changes_nothing(editor, tree, url_name, things, model):
    before = list(model.objects.values_list("pk", "name"))
    meta = model._meta
    url = reverse("wagtail_bulk_action", args=[meta.app_label, meta.model_name, "delete"])
    response = signed_in(editor).post(url + "?" + "&".join(f"id={pk}" for pk, _name in before))
    assert response.status_code in (200, 302, 403)
    assert list(model.objects.values_list("pk", "name")) == before


# --- The users list and the user form ------------------------------------------------------------


def test_users_list_names_roles_in_the_singular_and_superusers_as_such(
    site_admin, editor, moderator, django_user_model, superuser
):
    both = member(django_user_model, "pat", "Publishers", "Site administrators")
    member(django_user_model, "nobody")
    page = soup(signed_in(site_admin, verified=True).get("/admin/users/"))
    headings = [th.get_text(strip=True) for th in page.select("thead th")]
    roles = {
        row.select_one("td.username").get_text(strip=True): row.select("td")[headings.index("Role")].get_text(
            " ", strip=True
        )
        for row in page.select("tbody tr")
    }
    assert roles == {
        "editor": "Editor",
        "moderator": "Moderator",
        "siteadministrator": "Site administrator",
        both.username: "Publisher, Site administrator",
        "nobody": "No role",
        superuser.username: "Superuser (every permission)",
    }
    assert "Access level" not in headings and "Superuser" not in headings  # said once, in Role
    toggle = page.select_one('button.w-drilldown__toggle[aria-controls="drilldown-id_is_superuser"]')
    assert toggle.get_text(strip=True) == "Superuser"  # Wagtail's "Administrator" filter, renamed


@pytest.mark.parametrize("url", ["/admin/users/new/", "edit"])
def test_combine_roles_has_a_visible_label_beside_its_checkbox(site_admin, editor, url):
    if url == "edit":
        url = reverse("wagtailusers_users:edit", args=[editor.pk])
    page = soup(signed_in(site_admin, verified=True).get(url))
    checkbox = page.select_one("input#id_combine_roles[type=checkbox]")
    label = checkbox.find_parent("label")
    assert label is not None and label["for"] == "id_combine_roles"
    assert label.get_text(strip=True) == "Combine roles"
    assert not page.select(".w-field__label[for=id_combine_roles]")  # not a heading over a bare box
    help_text = page.select_one(f"#{checkbox['aria-describedby']}")
    assert help_text.get_text(strip=True) == COMBINE_ROLES_HELP


# --- Site history for Site administrators ------------------------------------------------------------


def menu_item_names(response):
    props = soup(response).select_one("#wagtail-sidebar-props").string
    names = []

    def walk(node):
        if isinstance(node, dict):
            if "name" in node and "label" in node:
                names.append((node["name"], node.get("url")))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(json.loads(props))
    return names


def test_site_administrators_find_site_history_with_the_two_factor_reset(site_admin, moderator, tree, editor):
    tree["office"].save_revision(user=editor).publish()
    client = signed_in(site_admin, verified=True)
    items = menu_item_names(client.get("/admin/"))
    assert ("site-history", "/admin/reports/site-history/") in items and ("reports", None) in items

    login_verified(Client(), moderator)  # the moderator has an authenticator to reset
    assert client.post(f"/admin/two-factor/reset/{moderator.pk}/").status_code == 302
    history = text(client.get("/admin/reports/site-history/"))
    assert "moderator" in history and (
        "Reset two-factor authentication" in history or "Two-factor authentication reset" in history
    )
    assert "Office of Diversity Programs" not in history  # pages are not theirs to see


def test_site_history_appears_once_for_moderators_and_not_for_people_without_a_role(moderator, django_user_model):
    items = menu_item_names(signed_in(moderator, verified=True).get("/admin/"))
    assert [name for name, _url in items].count("site-history") == 1
    no_role = member(django_user_model, "visitor")
    no_role.user_permissions.add(*Group.objects.get(name="Editors").permissions.filter(codename="access_admin"))
    assert "site-history" not in [name for name, _url in menu_item_names(signed_in(no_role).get("/admin/"))]
