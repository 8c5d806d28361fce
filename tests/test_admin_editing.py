"""Editor flows through the real admin forms, and what anonymous visitors may see."""

import json

import pytest
from bs4 import BeautifulSoup
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.images.tests.utils import get_test_image_file
from wagtail.test.utils.form_data import nested_form_data, streamfield

from announcements.models import SiteNotice
from dei_portal.models import NavigationSettings, StandardPage
from offices.models import OfficePage
from tests.conftest import office_form


@pytest.fixture
def editor_client(superuser_client):
    """These flows are about the forms; who may do what is tested in test_roles.py."""
    return superuser_client


def add_url(parent, model="officepage", app="offices"):
    return reverse("wagtailadmin_pages:add", args=[app, model, parent.pk])


def home_html(client):
    client.logout()
    return client.get("/").content.decode()


def test_publishing_a_new_office_through_the_admin_puts_it_on_the_home_page(editor_client, tree):
    response = editor_client.post(add_url(tree["offices"]), {**office_form(tree["md"]), "action-publish": "publish"})
    assert response.status_code == 302, BeautifulSoup(response.content, "html.parser").select(".error-message")
    office = OfficePage.objects.get(slug="graduate-medical-education")
    assert office.live

    page = BeautifulSoup(editor_client.get("/").content, "html.parser")
    group = next(g for g in page.select(".network .audience-group") if g.h3.get_text(strip=True) == tree["md"].heading)
    assert "Office of Graduate Medical Education" in group.get_text()
    assert group.select_one("a[href='https://gme.example.edu/']")

    # Unpublish through the admin: it leaves the home page and its own address.
    response = editor_client.post(reverse("wagtailadmin_pages:unpublish", args=[office.pk]))
    assert response.status_code == 302
    html = home_html(editor_client)
    assert "Office of Graduate Medical Education" not in html
    assert editor_client.get("/offices/graduate-medical-education/").status_code == 404


def test_drafts_never_reach_anonymous_visitors(editor_client, tree):
    response = editor_client.post(add_url(tree["offices"]), office_form(tree["md"]))  # "Save draft"
    assert response.status_code == 302
    draft = OfficePage.objects.get(slug="graduate-medical-education")
    assert not draft.live

    # A draft menu item and a notice linking to the draft must not leak it either.
    nav = NavigationSettings.for_site(tree["home"].get_site())
    nav.primary_menu = [
        ("link", {"text": "GME", "page": draft, "url": ""}),
        ("link", {"text": "", "page": tree["offices"], "url": ""}),
    ]
    nav.save()
    SiteNotice.objects.create(heading="New office", text="Meet the office.", link_page=draft, link_text="Meet it")

    editor_client.logout()
    assert editor_client.get("/offices/graduate-medical-education/").status_code == 404
    for url in ("/", "/offices/", "/organizations/"):
        html = editor_client.get(url).content.decode()
        assert "Graduate Medical Education" not in html, url
        assert "/offices/graduate-medical-education/" not in html, url
        assert ">Offices</a>" in html  # the live menu item still shows

    # Editing a live page as a draft leaves the public version unchanged.
    office = tree["office"]
    data = office_form(tree["md"], title="Renamed in a draft", slug=office.slug)
    response = editor_client.post(reverse("wagtailadmin_pages:edit", args=[office.pk]), data)
    assert response.status_code == 302  # not logged in: sent to the login page, nothing saved
    assert OfficePage.objects.get(pk=office.pk).title == "Office of Diversity Programs"


def test_a_draft_edit_keeps_the_live_page_unchanged(editor_client, tree):
    office = tree["office"]
    response = editor_client.post(
        reverse("wagtailadmin_pages:edit", args=[office.pk]),
        office_form(tree["md"], title="Renamed in a draft", slug=office.slug),
    )
    assert response.status_code == 302
    editor_client.logout()
    html = editor_client.get(office.url).content.decode()
    assert "Office of Diversity Programs" in html and "Renamed in a draft" not in html


def errors_of(response):
    page = BeautifulSoup(response.content, "html.parser")
    return " ".join(
        e.get_text(" ", strip=True) for e in page.select(".error-message, .help-critical, .w-field__errors")
    )


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"website": ""}, "website", "This field is required"),
        ({"website": "not a url"}, "website", "Enter a valid URL"),
        ({"website": "javascript:alert(1)"}, "website", "Enter a valid URL"),
        ({"title": "x" * 256}, "title", "at most 255 characters"),
    ],
)
def test_bad_office_input_gets_a_clear_error_and_loses_nothing(editor_client, tree, overrides, field, message):
    response = editor_client.post(
        add_url(tree["offices"]), {**office_form(tree["md"], **overrides), "action-publish": "publish"}
    )
    assert response.status_code == 200
    assert message in errors_of(response)
    form = response.context["form"]
    assert field in form.errors
    # Nothing saved, and everything the editor typed is still in the form.
    assert not OfficePage.objects.filter(slug="graduate-medical-education").exists()
    html = response.content.decode()
    assert "Supports residents and fellows in every program." in html
    assert "More about the office." in html


def test_poster_of_a_disallowed_file_type_is_refused(editor_client, db):
    Document = get_document_model()
    for name, content in [("poster.html", b"<script>alert(1)</script>"), ("poster.exe", b"MZ\x90\x00")]:
        response = editor_client.post(
            reverse("wagtaildocs:add"),
            {"title": "Welcome poster", "file": SimpleUploadedFile(name, content), "collection": 1},
        )
        assert response.status_code == 200
        assert (
            "Not a supported document extension" in response.content.decode()
            or "not allowed" in response.content.decode()
        )
        # The title the editor typed is written back into the re-displayed form.
        title = BeautifulSoup(response.content, "html.parser").select_one("input[name=title]")
        assert title is not None and title.get("value") == "Welcome poster"
    assert not Document.objects.exists()
    ok = editor_client.post(
        reverse("wagtaildocs:add"),
        {"title": "Welcome poster", "file": SimpleUploadedFile("poster.pdf", b"%PDF-1.4\n%%EOF"), "collection": 1},
    )
    assert ok.status_code == 302 and Document.objects.count() == 1


def test_image_without_alt_text_is_refused_in_content(editor_client, tree):
    image = get_image_model().objects.create(title="Campus", file=get_test_image_file())
    body = streamfield(
        [("figure", {"image": {"image": image.pk, "alt_text": "", "decorative": ""}, "caption": "Our campus"})]
    )
    data = nested_form_data({"title": "About us", "slug": "about-us", "body": body})
    response = editor_client.post(
        add_url(tree["home"], "standardpage", "dei_portal"), {**data, "action-publish": "publish"}
    )
    assert response.status_code == 200
    assert not StandardPage.objects.filter(slug="about-us").exists()
    error = response.context["form"].errors.as_data()["body"][0]
    block_error = json.dumps(error.as_json_data())
    assert "alt text" in block_error.lower(), block_error
    # The editor's caption is still in the re-displayed form.
    assert "Our campus" in response.content.decode()
    # Marked decorative, or with alt text, the same content publishes.
    body = streamfield(
        [
            (
                "figure",
                {"image": {"image": image.pk, "alt_text": "Students on the quad", "decorative": ""}, "caption": ""},
            )
        ]
    )
    data = nested_form_data({"title": "About us", "slug": "about-us", "body": body})
    response = editor_client.post(
        add_url(tree["home"], "standardpage", "dei_portal"), {**data, "action-publish": "publish"}
    )
    assert response.status_code == 302
    assert 'alt="Students on the quad"' in editor_client.get("/about-us/").content.decode()
