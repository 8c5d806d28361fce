"""Upload checks for documents: a file's contents must be what its name says.

Wagtail checks a document's extension against WAGTAILDOCS_EXTENSIONS and its size against
WAGTAILDOCS_MAX_UPLOAD_SIZE, but not its contents: an HTML page renamed ``poster.pdf`` would be
accepted and stored. ``DocumentForm`` (the admin's document form, through
``WAGTAILDOCS_DOCUMENT_FORM_BASE``) also reads the first bytes of the file and refuses it unless
they are the signature of the format its extension names. Wagtail's image field already opens
every upload with Willow and refuses a format that does not match the extension; ``ImageForm``
(``WAGTAILIMAGES_IMAGE_FORM_BASE``) adds a pixel count read from the header before Willow decodes
anything (see ``PixelCheckedImageField``).

Documents are still served as attachments (except PDF) with ``X-Content-Type-Options: nosniff``
and ``Content-Security-Policy: default-src 'none'`` by Wagtail's serve view; this check keeps
files that would only be dangerous if a browser guessed their type out of the media store.
"""

import os
import warnings
import zipfile

from django.conf import settings
from django.core.exceptions import ValidationError
from PIL import Image as PILImage
from wagtail.documents.forms import BaseDocumentForm
from wagtail.images.fields import WagtailImageField
from wagtail.images.forms import BaseImageForm

# What each allowed extension's file must start with. Office Open XML files (docx, pptx) are
# ZIP archives with a [Content_Types].xml and their own top folder.
SIGNATURES = {
    "pdf": (b"%PDF-",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "docx": (b"PK\x03\x04",),
    "pptx": (b"PK\x03\x04",),
}
OFFICE_FOLDERS = {"docx": "word/", "pptx": "ppt/"}
FORMAT_NAMES = {
    "pdf": "a PDF document",
    "png": "a PNG image",
    "jpg": "a JPEG image",
    "jpeg": "a JPEG image",
    "docx": "a Word document",
    "pptx": "a PowerPoint presentation",
}
HEAD_BYTES = 1024


def describe(head):
    """A short name for what the first bytes of a file look like, for error messages."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if b"<svg" in text:
        return "an SVG image"
    if text.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<script")) or b"<html" in text:
        return "an HTML page"
    if text.startswith(b"<"):
        return "markup (XML or HTML)"
    for extension, signatures in SIGNATURES.items():
        if head.startswith(signatures):
            return FORMAT_NAMES[extension]
    return "an unknown format"


def _is_office_file(uploaded, extension):
    try:
        with zipfile.ZipFile(uploaded) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    finally:
        uploaded.seek(0)
    return "[Content_Types].xml" in names and any(name.startswith(OFFICE_FOLDERS[extension]) for name in names)


def validate_document_content(uploaded):
    """Raise ValidationError unless the file's first bytes match its (allowed) extension."""
    extension = os.path.splitext(uploaded.name)[1].lower().lstrip(".")
    allowed = getattr(settings, "WAGTAILDOCS_EXTENSIONS", None)
    if allowed and extension not in allowed:
        return  # Wagtail's own extension allow-list refuses it, with its own message.
    signatures = SIGNATURES.get(extension)
    if signatures is None:
        # An allowed extension this check does not know: refuse rather than store unchecked
        # (tests/test_uploads.py checks every extension in WAGTAILDOCS_EXTENSIONS has one).
        raise ValidationError(
            "Files ending in .%(extension)s cannot be uploaded.", code="unchecked_extension", params={"extension": extension}
        )
    uploaded.seek(0)
    head = uploaded.read(HEAD_BYTES)
    uploaded.seek(0)
    looks_like = describe(head)
    if not head.startswith(signatures) or (extension in OFFICE_FOLDERS and not _is_office_file(uploaded, extension)):
        raise ValidationError(
            "This file is named .%(extension)s but its contents are %(looks_like)s, not %(expected)s. "
            "Upload the real file (documents may be PDF, PNG, JPEG, Word or PowerPoint files).",
            code="content_mismatch",
            params={"extension": extension, "looks_like": looks_like, "expected": FORMAT_NAMES[extension]},
        )


class DocumentForm(BaseDocumentForm):
    """Wagtail's document form, plus the content check above for every new or replaced file."""

    def clean_file(self):
        uploaded = self.cleaned_data.get("file")
        if uploaded and "file" in self.changed_data:
            validate_document_content(uploaded)
        return uploaded


class PixelCheckedImageField(WagtailImageField):
    """Wagtail's image field, with the pixel count read from the file's header first.

    Wagtail reads an image's size through Willow, which decodes the whole image (Pillow's
    ``load()``): a PNG of a few hundred bytes declaring 8000 x 8000 pixels (under Pillow's own
    decompression-bomb threshold of 89 megapixels) would be decoded into ~200 MB of memory
    before WAGTAILIMAGES_MAX_IMAGE_PIXELS refused it, and a truncated one raised an error (a 500)
    instead of a form error. Here Pillow only parses the header, and the upload is refused before
    any pixel is decoded; a file Pillow cannot finish decoding is an invalid image.
    """

    def to_python(self, data):
        if data is not None and hasattr(data, "read") and self.max_image_pixels:
            self.check_declared_pixels(data)
        try:
            return super().to_python(data)
        except (OSError, SyntaxError, ValueError, PILImage.DecompressionBombError) as exc:
            raise ValidationError(self.error_messages["invalid_image"], code="invalid_image") from exc

    def check_declared_pixels(self, data):
        try:
            data.seek(0)
            with warnings.catch_warnings():
                warnings.simplefilter("error", PILImage.DecompressionBombWarning)
                with PILImage.open(data) as header:  # lazy: reads the header, decodes nothing
                    width, height = header.size
        except (PILImage.DecompressionBombWarning, PILImage.DecompressionBombError):
            width = height = None
        except Exception:  # noqa: BLE001 - not a format Pillow reads: Wagtail's checks decide
            return
        finally:
            data.seek(0)
        if width is None or width * height > self.max_image_pixels:
            raise ValidationError(
                self.error_messages["file_too_many_pixels"]
                % {
                    "num_pixels": "unknown number" if width is None else width * height,
                    "max_pixels_count": self.max_image_pixels,
                },
                code="file_too_many_pixels",
            )


class ImageForm(BaseImageForm):
    """Wagtail's image form, with the file field above (WAGTAILIMAGES_IMAGE_FORM_BASE)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        original = self.fields.get("file")
        if original is not None:
            field = PixelCheckedImageField(label=original.label, required=original.required, widget=original.widget)
            self.fields["file"] = field
