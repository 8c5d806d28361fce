"""Upload checks for documents: a file's contents must be what its name says.

Wagtail checks a document's extension against WAGTAILDOCS_EXTENSIONS and its size against
WAGTAILDOCS_MAX_UPLOAD_SIZE, but not its contents: an HTML page renamed ``poster.pdf`` would be
accepted and stored. ``DocumentForm`` (the admin's document form, through
``WAGTAILDOCS_DOCUMENT_FORM_BASE``) also reads the first bytes of the file and refuses it unless
they are the signature of the format its extension names. Wagtail's image field already opens
every upload with Willow and refuses a format that does not match the extension; ``ImageForm``
(``WAGTAILIMAGES_IMAGE_FORM_BASE``) adds a pixel count read from the header before Willow decodes
anything (see ``PixelCheckedImageField``).

Every refusal because a file's contents do not match its name uses one wording
(``content_mismatch``), for images and documents alike, in the single and the multiple uploader.

Both forms also store the file while validating (``StoredOnValidationMixin``): if the media
storage cannot be written to (a full disk, a missing or read-only folder), the editor gets a form
error instead of a server error, and no Image or Document row is created.

Documents are still served as attachments (except PDF) with ``X-Content-Type-Options: nosniff``
and ``Content-Security-Policy: default-src 'none'`` by Wagtail's serve view; this check keeps
files that would only be dangerous if a browser guessed their type out of the media store.
"""

import logging
import os
import warnings
import zipfile

from django.conf import settings
from django.core.exceptions import ValidationError
from PIL import Image as PILImage
from wagtail.documents.forms import BaseDocumentForm
from wagtail.images.fields import WagtailImageField
from wagtail.images.forms import BaseImageForm

from dei_portal.accounts.admin_roles import media_refusal

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
    "gif": "a GIF image",
    "webp": "a WebP image",
    "avif": "an AVIF image",
}
HEAD_BYTES = 1024
# What to call each format in the content-mismatch message ("…not a PNG file…, save it again as PNG").
FILE_TYPES = {
    "pdf": "PDF",
    "png": "PNG",
    "jpg": "JPEG",
    "jpeg": "JPEG",
    "gif": "GIF",
    "webp": "WebP",
    "avif": "AVIF",
    "docx": "Word (.docx)",
    "pptx": "PowerPoint (.pptx)",
}
# What a format Willow recognised looks like, for the same message.
WILLOW_FORMATS = {
    "svg": "an SVG image",
    "jpeg": "a JPEG image",
    "png": "a PNG image",
    "gif": "a GIF image",
    "webp": "a WebP image",
    "avif": "an AVIF image",
    "heic": "a HEIC image",
    "ico": "an icon file",
    "tiff": "a TIFF image",
    "bmp": "a BMP image",
}
MEDIA_UNWRITABLE = (
    "The file could not be stored: the site's media storage cannot be written to, so nothing was "
    "uploaded. Try again later, and tell the site administrator if it keeps happening."
)

# The logger keeps the name it had before the module moved into dei_portal/accounts/ (log filters).
logger = logging.getLogger("dei_portal.uploads")


def extension_of(name):
    return os.path.splitext(name or "")[1].lower().lstrip(".")


def content_mismatch(extension, looks_like=None):
    """The one message for a file whose contents are not the format its name says."""
    kind = FILE_TYPES.get(extension, extension.upper())
    seen = f" (it looks like {looks_like})" if looks_like and looks_like != "an unknown format" else ""
    return ValidationError(
        "This file’s contents are not a %(kind)s file, although its name ends in .%(extension)s%(seen)s. "
        "Upload the original file, or save it again as %(kind)s.",
        code="content_mismatch",
        params={"kind": kind, "extension": extension, "seen": seen},
    )


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
    # Image formats that are not documents (no fixed prefix for WebP and AVIF).
    if head.startswith((b"GIF87a", b"GIF89a")):
        return FORMAT_NAMES["gif"]
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return FORMAT_NAMES["webp"]
    if head[4:8] == b"ftyp" and head[8:12] in (b"avif", b"avis"):
        return FORMAT_NAMES["avif"]
    return "an unknown format"


def read_head(uploaded):
    """The first bytes of an uploaded file, leaving it at the start."""
    uploaded.seek(0)
    head = uploaded.read(HEAD_BYTES)
    uploaded.seek(0)
    return head


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
    extension = extension_of(uploaded.name)
    allowed = getattr(settings, "WAGTAILDOCS_EXTENSIONS", None)
    if allowed and extension not in allowed:
        return  # Wagtail's own extension allow-list refuses it, with its own message.
    signatures = SIGNATURES.get(extension)
    if signatures is None:
        # An allowed extension this check does not know: refuse rather than store unchecked
        # (tests/test_uploads.py checks every extension in WAGTAILDOCS_EXTENSIONS has one).
        raise ValidationError(
            "Files ending in .%(extension)s cannot be uploaded.",
            code="unchecked_extension",
            params={"extension": extension},
        )
    head = read_head(uploaded)
    if not head.startswith(signatures) or (extension in OFFICE_FOLDERS and not _is_office_file(uploaded, extension)):
        raise content_mismatch(extension, describe(head))


class InUseMediaMixin:
    """An Editor's change to an image or document in use is a form error that names why (the
    typed values stay in the form), not the permission page the edit action would lead to
    (ProtectInUseMediaEditAction in admin_roles.py stays as the last check)."""

    def __init__(self, *args, **kwargs):
        self.editing_user = kwargs.get("user")  # Wagtail's collection form takes it out
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned_data = super().clean()
        if self.instance.pk and self.editing_user is not None and self.has_changed():
            refusal = media_refusal(self.editing_user, self.instance, "change")
            if refusal:
                raise ValidationError(refusal, code="media_in_use")
        return cleaned_data


class StoredOnValidationMixin:
    """Store a new or replaced file while the form validates, so a storage failure is a form error.

    Wagtail's views write the file only when they save the model (``FileField.pre_save``); the
    single "Add" view and the multiple uploader do that after validation, so an OSError there
    (unwritable or missing media folder, full disk) was a 500. Here the file is written at the end
    of validation, once everything else is valid (a refused upload still writes nothing); the
    view's later save finds it already stored. If writing fails the form is invalid, with
    ``MEDIA_UNWRITABLE`` on the file field, and no row is ever created.
    """

    def _post_clean(self):
        # The ModelForm hook that runs after the instance is built from the cleaned data.
        refused = self.errors["file"].copy() if "file" in self.errors else None
        super()._post_clean()
        if refused:
            # The model's own checks then see no file at all (Document.clean() would add
            # "File extension “” is not allowed"): the editor needs only the form's reason.
            self._errors["file"] = refused
        if self.errors or "file" not in self.changed_data:
            return
        stored = self.instance.file
        if not stored or getattr(stored, "_committed", True):
            return
        try:
            stored.save(stored.name, stored.file, save=False)  # what FileField.pre_save would do
        except OSError:
            logger.exception("Could not store an uploaded file in the media storage")
            self.add_error("file", ValidationError(MEDIA_UNWRITABLE, code="storage_unwritable"))


class DocumentForm(InUseMediaMixin, StoredOnValidationMixin, BaseDocumentForm):
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
        except ValidationError as error:
            if error.code == "invalid_image":
                self.refuse_mismatched_content(data)
            raise
        except (OSError, SyntaxError, ValueError, PILImage.DecompressionBombError) as exc:
            raise ValidationError(self.error_messages["invalid_image"], code="invalid_image") from exc

    def refuse_mismatched_content(self, data):
        """A file no image library reads, named like an image: say so in the shared wording.

        A real image that is merely damaged (it starts like its format) keeps Wagtail's "Upload a
        valid image" message.
        """
        extension = extension_of(getattr(data, "name", ""))
        if extension not in self.allowed_image_extensions or not hasattr(data, "read"):
            return
        looks_like = describe(read_head(data))
        if looks_like != FORMAT_NAMES.get(extension):
            raise content_mismatch(extension, looks_like)

    def check_image_file_format(self, f):
        """Wagtail's check, with the shared message when the format is not the extension's."""
        try:
            super().check_image_file_format(f)
        except ValidationError as error:
            if error.code != "invalid_image_known_format":
                raise
            looks_like = describe(read_head(f))
            if looks_like == "an unknown format":
                format_name = f.image.format_name
                looks_like = WILLOW_FORMATS.get(format_name, f"a {format_name.upper()} file")
            raise content_mismatch(extension_of(f.name), looks_like) from None

    def check_declared_pixels(self, data):
        try:
            data.seek(0)
            with warnings.catch_warnings():
                warnings.simplefilter("error", PILImage.DecompressionBombWarning)
                with PILImage.open(data) as header:  # lazy: reads the header, decodes nothing
                    width, height = header.size
        except (PILImage.DecompressionBombWarning, PILImage.DecompressionBombError):
            width = height = None
        except Exception:
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


class ImageForm(InUseMediaMixin, StoredOnValidationMixin, BaseImageForm):
    """Wagtail's image form, with the file field above (WAGTAILIMAGES_IMAGE_FORM_BASE)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        original = self.fields.get("file")
        if original is not None:
            field = PixelCheckedImageField(label=original.label, required=original.required, widget=original.widget)
            self.fields["file"] = field
