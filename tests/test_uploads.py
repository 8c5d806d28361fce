"""Upload attacks through the Wagtail admin's own forms, and how documents are served.

Every attack is a real admin form POST (the single "Add" form and the multiple uploader the
admin's "Add a document/image" button opens). Each must be refused with a message the editor can
act on, and leave nothing behind: no Image/Document row, no file in MEDIA_ROOT.
"""

import io
import os
import struct
import time
import zipfile
import zlib

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image as PILImage
from wagtail.documents.models import Document
from wagtail.images.models import Image
from wagtail.models import Collection, CollectionViewRestriction

from dei_portal.accounts.uploads import SIGNATURES
from tests.conftest import login_verified

HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = (
    b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b'<script>alert(document.domain)</script><rect width="10" height="10"/></svg>'
)


def png_bytes(width=8, height=8):
    buffer = io.BytesIO()
    PILImage.new("RGB", (width, height), (200, 30, 60)).save(buffer, "PNG")
    return buffer.getvalue()


def noise_png(width, height):
    """A PNG that does not compress (random pixels), so its size is its pixel count."""
    buffer = io.BytesIO()
    PILImage.frombytes("RGB", (width, height), os.urandom(width * height * 3)).save(buffer, "PNG")
    return buffer.getvalue()


def pdf_bytes():
    buffer = io.BytesIO()
    PILImage.new("RGB", (20, 20), (255, 255, 255)).save(buffer, "PDF")
    return buffer.getvalue()


def docx_bytes():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("word/document.xml", '<?xml version="1.0"?><w:document/>')
    return buffer.getvalue()


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def pixel_flood_png(width, height):
    """A valid-looking PNG of a few dozen bytes whose header declares width x height pixels."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + png_chunk(b"IEND", b"")
    )


@pytest.fixture
def media(settings, tmp_path):
    """An empty MEDIA_ROOT of this test's own, to see every file an upload leaves."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    return settings.MEDIA_ROOT


def media_files(media):
    return sorted(str(path.relative_to(media)) for path in media.rglob("*") if path.is_file())


@pytest.fixture
def editor(client, superuser, media):
    return login_verified(client, superuser)


def upload_document(client, name, content, title="Poster"):
    return client.post(
        "/admin/documents/add/",
        {"title": title, "file": SimpleUploadedFile(name, content), "collection": Collection.get_first_root_node().pk},
    )


def upload_document_multiple(client, name, content):
    return client.post(
        "/admin/documents/multiple/add/",
        {"files[]": SimpleUploadedFile(name, content)},
        headers={"x-requested-with": "XMLHttpRequest"},
    )


def upload_image(client, name, content, title="Photo"):
    return client.post(
        "/admin/images/add/",
        {"title": title, "file": SimpleUploadedFile(name, content), "collection": Collection.get_first_root_node().pk},
    )


def upload_image_multiple(client, name, content):
    return client.post(
        "/admin/images/multiple/add/",
        {"files[]": SimpleUploadedFile(name, content)},
        headers={"x-requested-with": "XMLHttpRequest"},
    )


def field_errors(response):
    """The errors the add form shows next to its file field."""
    assert response.status_code == 200, response.status_code
    form = response.context["form"]
    return " ".join(form.errors.get("file", []))


def assert_refused(response, message, media, model):
    errors = field_errors(response)
    assert message in errors, errors
    assert message in response.content.decode().replace("&#x27;", "'")  # shown in the page, not just in the form
    assert model.objects.count() == 0
    assert media_files(media) == []


# The happy paths first: the checks below must not refuse real files.


def test_real_files_upload(editor, media):
    for name, content in [("poster.pdf", pdf_bytes()), ("logo.png", png_bytes()), ("letter.docx", docx_bytes())]:
        response = upload_document(editor, name, content, title=name)
        assert response.status_code == 302, field_errors(response)
    response = upload_image(editor, "photo.png", png_bytes())
    assert response.status_code == 302, field_errors(response)
    assert Document.objects.count() == 3
    assert Image.objects.count() == 1
    assert len(media_files(media)) == 4


def test_every_allowed_document_extension_has_a_content_check(settings):
    assert set(settings.WAGTAILDOCS_EXTENSIONS) <= set(SIGNATURES)


# Documents


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("page.html", HTML, "File extension “html” is not allowed"),
        ("page.htm", HTML, "File extension “htm” is not allowed"),
        ("drawing.svg", SVG, "File extension “svg” is not allowed"),
        (
            "poster.pdf",
            HTML,
            "This file’s contents are not a PDF file, although its name ends in .pdf (it looks like an HTML page)",
        ),
        (
            "poster.pdf",
            SVG,
            "This file’s contents are not a PDF file, although its name ends in .pdf (it looks like an SVG image)",
        ),
        (
            "logo.png",
            HTML,
            "This file’s contents are not a PNG file, although its name ends in .png (it looks like an HTML page)",
        ),
        (
            "letter.docx",
            HTML,
            "This file’s contents are not a Word (.docx) file, although its name ends in .docx "
            "(it looks like an HTML page)",
        ),
        # A ZIP that is not an Office file (e.g. a renamed archive) is not a Word document either.
        (
            "slides.pptx",
            docx_bytes(),
            "This file’s contents are not a PowerPoint (.pptx) file, although its name ends in .pptx "
            "(it looks like a Word document)",
        ),
    ],
)
def test_document_uploads_are_refused(editor, media, name, content, message):
    assert_refused(upload_document(editor, name, content), message, media, Document)

    response = upload_document_multiple(editor, name, content)
    assert response.status_code == 200
    assert response.json()["success"] is False
    assert message in response.json()["error_message"]
    assert Document.objects.count() == 0
    assert media_files(media) == []


def test_oversized_document_is_refused(editor, media, settings):
    settings.WAGTAILDOCS_MAX_UPLOAD_SIZE = 1024
    content = pdf_bytes() + b"%" + b"x" * 2048
    assert_refused(upload_document(editor, "big.pdf", content), "This file is too big", media, Document)
    response = upload_document_multiple(editor, "big.pdf", content)
    assert response.json()["success"] is False
    assert Document.objects.count() == 0
    assert media_files(media) == []


def test_replacing_a_document_file_is_checked_too(editor, media):
    assert upload_document(editor, "poster.pdf", pdf_bytes()).status_code == 302
    document = Document.objects.get()
    before = media_files(media)
    response = editor.post(
        f"/admin/documents/edit/{document.pk}/",
        {"title": "Poster", "file": SimpleUploadedFile("poster.pdf", HTML), "collection": document.collection_id},
    )
    assert "(it looks like an HTML page)" in field_errors(response)
    document.refresh_from_db()
    assert document.file.read().startswith(b"%PDF-")
    assert media_files(media) == before


# Images


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("page.html", HTML, "Not a supported image format"),
        (
            "photo.png",
            HTML,
            "This file’s contents are not a PNG file, although its name ends in .png (it looks like an HTML page)",
        ),
        ("drawing.svg", SVG, "Not a supported image format"),
        (
            "drawing.png",
            SVG,
            "This file’s contents are not a PNG file, although its name ends in .png (it looks like an SVG image)",
        ),
        ("poster.pdf", pdf_bytes(), "Upload a valid image"),
    ],
)
def test_image_uploads_are_refused(editor, media, name, content, message):
    assert_refused(upload_image(editor, name, content), message, media, Image)

    response = upload_image_multiple(editor, name, content)
    assert response.status_code == 200
    assert response.json()["success"] is False
    assert message in response.json()["error_message"]
    assert Image.objects.count() == 0
    assert media_files(media) == []


def test_oversized_image_is_refused(editor, media, settings):
    settings.WAGTAILIMAGES_MAX_UPLOAD_SIZE = 1024
    content = noise_png(200, 200)
    assert len(content) > 1024
    assert_refused(upload_image(editor, "big.png", content), "This file is too big", media, Image)
    assert upload_image_multiple(editor, "big.png", content).json()["success"] is False
    assert Image.objects.count() == 0
    assert media_files(media) == []


@pytest.mark.parametrize(
    "width, height, message",
    [
        # Past Pillow's own decompression-bomb limit: refused when the header is read.
        (30_000, 30_000, "This file has too many pixels (unknown number). Maximum pixels 40000000."),
        # Under Pillow's limit, over the site's WAGTAILIMAGES_MAX_IMAGE_PIXELS (40 megapixels).
        (8_000, 8_000, "This file has too many pixels (64000000). Maximum pixels 40000000."),
    ],
)
def test_pixel_flood_image_is_refused_before_decoding(editor, media, width, height, message):
    content = pixel_flood_png(width, height)
    assert len(content) < 200  # a few dozen bytes that would decode to gigabytes
    started = time.monotonic()
    assert_refused(upload_image(editor, "flood.png", content), message, media, Image)
    response = upload_image_multiple(editor, "flood.png", content)
    assert message in response.json()["error_message"]
    # Decoding 900 million pixels would take many seconds and gigabytes of memory.
    assert time.monotonic() - started < 5
    assert Image.objects.count() == 0
    assert media_files(media) == []


# Serving documents


def test_documents_are_served_safely(editor, client, media):
    for name, content in [("poster.pdf", pdf_bytes()), ("logo.png", png_bytes()), ("letter.docx", docx_bytes())]:
        assert upload_document(editor, name, content, title=name).status_code == 302
    editor.logout()

    expected = {
        "poster.pdf": ("application/pdf", "inline"),
        "logo.png": ("image/png", "attachment"),
        "letter.docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "attachment"),
    }
    for document in Document.objects.all():
        response = client.get(document.url)
        assert response.status_code == 200
        content_type, disposition = expected[document.title]
        assert response["Content-Type"] == content_type
        assert response["Content-Disposition"].startswith(disposition)
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Security-Policy"] == "default-src 'none'"
        body = b"".join(response.streaming_content)
        document.file.open("rb")
        assert body == document.file.read()
        document.file.close()


@pytest.mark.parametrize("name, content", [("legacy.html", HTML), ("legacy.svg", SVG), ("legacy.htm", HTML)])
def test_markup_documents_from_before_the_checks_download_not_render(db, client, media, name, content):
    """A file that got in some other way (an old upload, a script) is still never shown inline."""
    document = Document.objects.create(title="Old file", file=ContentFile(content, name=name))
    response = client.get(document.url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'"


def test_private_document_is_refused_to_anonymous_visitors(db, client, media, superuser):
    root = Collection.get_first_root_node()
    private = root.add_child(name="Staff only")
    CollectionViewRestriction.objects.create(collection=private, restriction_type=CollectionViewRestriction.LOGIN)
    document = Document.objects.create(
        title="Budget", collection=private, file=ContentFile(pdf_bytes(), name="budget.pdf")
    )
    response = client.get(document.url)
    assert response.status_code == 302
    assert response["Location"].startswith("/_util/login/") or "login" in response["Location"]
    assert b"%PDF" not in response.content
    login_verified(client, superuser)
    assert client.get(document.url).status_code == 200
