"""What the new user hit (issue 11, item 6), fixed and kept fixed.

Audience names exactly as editors wrote them; why an Editor has no Publish button; a character
count on every limited field; "Link URL" labels; one message for a file whose contents do not
match its name; and an unwritable media folder that gives a form error, not a 500. All through
real HTTP requests to the public site and the admin's own forms.
"""

import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import Group
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from wagtail.documents.models import Document
from wagtail.images.models import Image
from wagtail.models import Collection

from announcements.models import SiteNotice
from dei_portal.accounts.uploads import MEDIA_UNWRITABLE
from dei_portal.core.blocks import LinkBlock, SocialLinkBlock
from offices.models import OfficePage
from tests.factories.offices import AudienceFactory, OfficePageFactory, OrganizationPageFactory

from .conftest import login_verified
from .test_uploads import docx_bytes, pdf_bytes, png_bytes

ROOT = Path(__file__).resolve().parent.parent
REVIEW_WORDS = "go live only after a Moderator or Publisher approves them"


def soup(response):
    return BeautifulSoup(response.content, "html.parser")


def member(django_user_model, username, group):
    user = django_user_model.objects.create_user(username, f"{username}@example.edu", "long-enough-password-1")
    user.groups.add(Group.objects.get(name=group))
    return login_verified(Client(), user)


@pytest.fixture
def editor(db, django_user_model):
    return member(django_user_model, "edie", "Editors")


@pytest.fixture
def moderator(db, django_user_model):
    return member(django_user_model, "moe", "Moderators")


# 1. Audience names as editors wrote them ---------------------------------------------------------


def test_audience_names_keep_the_editors_capitals(client, tree):
    school = AudienceFactory(name="School of Medicine", heading="For the whole School of Medicine")
    md = AudienceFactory(name="MD students", heading="For MD students")
    office = OfficePageFactory(parent=tree["offices"], title="Office of Student Affairs", audience=school)
    organization = OrganizationPageFactory(parent=tree["organizations"], title="Student Council", audience=md)

    for page, name in [(office, "School of Medicine"), (organization, "MD students")]:
        response = client.get(page.url)
        assert response.status_code == 200
        meta = soup(response).select_one("main p.meta").get_text(" ", strip=True)
        assert meta == f"Audience: {name}", meta  # not "For school of medicine" / "For md students"


def test_public_templates_do_not_change_the_case_of_editors_words():
    filters = re.compile(r"\|\s*(lower|upper|title|capfirst)\b")
    offenders = []
    for template in (ROOT / "templates").rglob("*.html"):
        if {"wagtailadmin", "wagtailusers"} & set(template.parts):  # admin overrides, not the public site
            continue
        for match in filters.finditer(template.read_text()):
            line = template.read_text()[: match.start()].count("\n") + 1
            offenders.append(f"{template.relative_to(ROOT)}:{line} {match.group(0)}")
    # A file extension shown in capitals ("PDF") is not editors' words.
    offenders = [o for o in offenders if "document_link.html" not in o or "|upper" not in o]
    # The social block capitalises a fixed platform key, not something an editor typed.
    offenders = [o for o in offenders if "social_link_block.html" not in o]
    assert offenders == []
    for stylesheet in (ROOT / "static").rglob("*.css"):
        assert "text-transform" not in stylesheet.read_text(), stylesheet


# 3. Why an Editor has no Publish button ----------------------------------------------------------


def notice_add_url():
    return reverse("wagtailsnippets_announcements_sitenotice:add")


def test_the_notice_form_tells_an_editor_why_there_is_no_publish_button(editor, moderator, tree):
    edit_url = reverse("wagtailsnippets_announcements_sitenotice:edit", args=[tree["notice"].pk])
    for url in (notice_add_url(), edit_url):
        response = editor.get(url)
        assert response.status_code == 200
        html = response.content.decode()
        assert f"Notices {REVIEW_WORDS}" in html
        assert "Submit to Moderators approval" in html  # the button the sentence names exists
        assert 'name="action-publish"' not in html

        response = moderator.get(url)
        assert response.status_code == 200
        html = response.content.decode()
        assert REVIEW_WORDS not in html  # a Moderator can publish: no explanation needed
        assert 'name="action-publish"' in html


def test_the_page_editor_tells_an_editor_why_there_is_no_publish_button(editor, moderator, tree):
    office = tree["office"]
    edit_url = reverse("wagtailadmin_pages:edit", args=[office.pk])
    add_url = reverse("wagtailadmin_pages:add", args=["offices", "officepage", tree["offices"].pk])
    for url in (edit_url, add_url):
        response = editor.get(url)
        assert response.status_code == 200
        assert f"Pages {REVIEW_WORDS}" in response.content.decode()
        response = moderator.get(url)
        assert response.status_code == 200
        assert REVIEW_WORDS not in response.content.decode()


# 4. Character counts on limited fields -----------------------------------------------------------

COUNTER_SCRIPT = "js/admin/character-count.js"


def limits(response):
    """Each form field's maxlength, by name."""
    return {
        field["name"]: int(field["maxlength"])
        for field in soup(response).select("form[data-edit-form] [maxlength]")
        if field.get("name")
    }


def test_the_notice_form_counts_characters_in_its_limited_fields(editor, tree):
    response = editor.get(notice_add_url())
    assert COUNTER_SCRIPT in response.content.decode()
    assert {"heading": 80, "text": 250, "link_url": 300, "link_text": 80}.items() <= limits(response).items()


def test_the_page_editor_counts_characters_in_its_limited_fields(editor, tree):
    response = editor.get(reverse("wagtailadmin_pages:edit", args=[tree["office"].pk]))
    assert COUNTER_SCRIPT in response.content.decode()
    found = limits(response)
    assert {"title": 255, "summary": 300, "seo_title": 255, "website": 300, "location": 200}.items() <= found.items()
    script = (ROOT / "static" / COUNTER_SCRIPT).read_text()
    assert "maxlength" in script and "MutationObserver" in script  # StreamField blocks added later too


# 5. "Link URL" labels ----------------------------------------------------------------------------


def test_every_link_address_is_labelled_link_url(editor, tree):
    link = LinkBlock()
    assert [link.child_blocks[name].label for name in ("text", "page", "url")] == ["Link text", "Link page", "Link URL"]
    assert SocialLinkBlock().child_blocks["url"].label == "Link URL"

    labels = [label.get_text(" ", strip=True) for label in soup(editor.get(notice_add_url())).select("label")]
    assert "Link URL" in labels and "Link text" in labels and "Link page" in labels

    response = editor.get(reverse("wagtailadmin_pages:edit", args=[tree["office"].pk]))
    assert soup(response).select_one("label[for=id_website]").get_text(strip=True).startswith("Website URL")
    # The body's link and call-to-action blocks, in the StreamField's definition for the editor.
    assert "&quot;label&quot;: &quot;Link URL&quot;" in response.content.decode()
    assert OfficePage._meta.get_field("website").verbose_name == "website URL"
    assert SiteNotice._meta.get_field("link_url").verbose_name == "link URL"


# 6. One message when a file's contents do not match its name -------------------------------------

MISMATCH = re.compile(
    r"^This file’s contents are not a (?P<kind>[\w ().]+) file, although its name ends in \.(?P<ext>\w+)"
    r"( \(it looks like [^)]+\))?\. Upload the original file, or save it again as (?P=kind)\.$"
)


def jpeg_bytes():
    import io

    from PIL import Image as PILImage

    buffer = io.BytesIO()
    PILImage.new("RGB", (8, 8)).save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    return settings.MEDIA_ROOT


@pytest.fixture
def uploader(superuser_client, media):
    return superuser_client


def post_upload(client, kind, name, content, multiple=False):
    if multiple:
        return client.post(
            f"/admin/{kind}/multiple/add/",
            {"files[]": SimpleUploadedFile(name, content)},
            headers={"x-requested-with": "XMLHttpRequest"},
        )
    return client.post(
        f"/admin/{kind}/add/",
        {"title": name, "file": SimpleUploadedFile(name, content), "collection": Collection.get_first_root_node().pk},
    )


def upload_error(response, multiple):
    assert response.status_code == 200
    if multiple:
        assert response.json()["success"] is False
        return response.json()["error_message"]
    return " ".join(response.context["form"].errors["file"])


@pytest.mark.parametrize("multiple", [False, True], ids=["add form", "multiple uploader"])
@pytest.mark.parametrize(
    "kind, name, content, kind_name, looks_like",
    [
        ("images", "photo.png", jpeg_bytes(), "PNG", "a JPEG image"),
        ("images", "photo.jpg", png_bytes(), "JPEG", "a PNG image"),
        ("images", "photo.gif", pdf_bytes(), "GIF", "a PDF document"),
        ("images", "photo.webp", b"plain words, not a picture", "WebP", None),
        ("documents", "poster.pdf", png_bytes(), "PDF", "a PNG image"),
        ("documents", "logo.png", jpeg_bytes(), "PNG", "a JPEG image"),
        ("documents", "slides.pptx", docx_bytes(), "PowerPoint (.pptx)", "a Word document"),
    ],
)
def test_one_message_for_contents_that_do_not_match_the_name(
    uploader, kind, name, content, kind_name, looks_like, multiple
):
    message = upload_error(post_upload(uploader, kind, name, content, multiple), multiple)
    match = MISMATCH.match(message)
    assert match, message
    assert match["kind"] == kind_name and match["ext"] == name.rsplit(".", 1)[1]
    assert (f"(it looks like {looks_like})" in message) if looks_like else "looks like" not in message
    assert Image.objects.count() == 0 and Document.objects.count() == 0


def test_a_damaged_real_image_keeps_the_damaged_image_message(uploader):
    """A PNG cut short is the right format, just broken: not a "contents do not match" case."""
    message = upload_error(post_upload(uploader, "images", "photo.png", png_bytes()[:40]), multiple=False)
    assert "Upload a valid image" in message and "contents are not" not in message


# 7. An unwritable media folder gives a form error, not a 500 -------------------------------------


class BrokenStorage(FileSystemStorage):
    """A storage whose every write fails, as a read-only folder does for a non-root user."""

    def _save(self, name, content):
        raise PermissionError(13, "Permission denied", name)


@pytest.fixture(params=["media folder under a file", "storage refusing writes"])
def unwritable_media(request, settings, tmp_path):
    if request.param == "media folder under a file":
        # chmod cannot stop root (the tests' user): a folder inside a regular file cannot exist.
        blocker = tmp_path / "not-a-folder"
        blocker.write_text("a file where the media folder should be")
        settings.MEDIA_ROOT = str(blocker / "media")
    else:
        settings.MEDIA_ROOT = str(tmp_path / "media")
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {"BACKEND": f"{__name__}.BrokenStorage"},
        }
    return settings.MEDIA_ROOT


@pytest.mark.parametrize("multiple", [False, True], ids=["add form", "multiple uploader"])
@pytest.mark.parametrize(
    "kind, name, content", [("images", "photo.png", png_bytes()), ("documents", "poster.pdf", pdf_bytes())]
)
def test_an_unwritable_media_folder_is_a_form_error(superuser_client, unwritable_media, kind, name, content, multiple):
    response = post_upload(superuser_client, kind, name, content, multiple)
    assert MEDIA_UNWRITABLE in upload_error(response, multiple)
    if not multiple:
        assert MEDIA_UNWRITABLE in response.content.decode().replace("&#x27;", "'")  # shown on the form
        assert response.context["form"]["title"].value() == name  # the editor's input is kept
    assert Image.objects.count() == 0 and Document.objects.count() == 0
    assert not Path(unwritable_media).exists() or not any(Path(unwritable_media).rglob("*.*"))


def test_uploads_work_again_once_the_media_folder_is_writable(superuser_client, media):
    """The file is stored once, while validating; the view's save does not store it again."""
    for kind, name, content in [("images", "photo.png", png_bytes()), ("documents", "poster.pdf", pdf_bytes())]:
        assert post_upload(superuser_client, kind, name, content).status_code == 302
        assert post_upload(superuser_client, kind, f"second-{name}", content, multiple=True).json()["success"]
    assert Image.objects.count() == 2 and Document.objects.count() == 2
    stored = sorted(path.name for folder in ("original_images", "documents") for path in (media / folder).iterdir())
    assert stored == ["photo.png", "poster.pdf", "second-photo.png", "second-poster.pdf"]
