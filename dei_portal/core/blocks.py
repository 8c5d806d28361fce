"""Named StreamField blocks shared by every page type.

Headings are limited to h2-h4, rich text has a restricted feature list, images
need alt text (or an explicit "decorative" flag), and there is no raw-HTML block.
"""

from django.core.exceptions import ValidationError
from wagtail import blocks
from wagtail.blocks.struct_block import StructBlockValidationError
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.images.blocks import ImageBlock

PARAGRAPH_FEATURES = ["bold", "italic", "ol", "ul", "link", "document-link"]


class HeadingBlock(blocks.StructBlock):
    text = blocks.CharBlock(max_length=120, help_text="The heading's words.")
    level = blocks.ChoiceBlock(
        choices=[("h2", "Section (h2)"), ("h3", "Subsection (h3)"), ("h4", "Minor heading (h4)")],
        default="h2",
        help_text="Pick the level that fits the outline; never skip a level.",
    )

    class Meta:
        icon = "title"
        template = "blocks/heading_block.html"
        description = "A section heading (h2 to h4)."
        preview_value = {"text": "Programs and initiatives", "level": "h2"}


class ParagraphBlock(blocks.RichTextBlock):
    def __init__(self, **kwargs):
        kwargs.setdefault("features", PARAGRAPH_FEATURES)
        super().__init__(**kwargs)

    class Meta:
        icon = "pilcrow"
        template = "blocks/paragraph_block.html"
        description = "Text with bold, italic, lists and links."
        preview_value = "<p>Our programs raise awareness and build a more equitable campus.</p>"


class LinkStructValue(blocks.StructValue):
    """A link to a live page or to an external address."""

    @property
    def href(self):
        page = self.get("page")
        if page is not None:
            # A link to a draft or unpublished page renders nothing rather than a 404.
            return page.url if page.live else ""
        return self.get("url") or ""

    @property
    def label(self):
        page = self.get("page")
        return self.get("text") or (page.title if page is not None else "")


class LinkBlock(blocks.StructBlock):
    # Labels match the site-wide notice's link fields: "Link text", "Link page", "Link URL".
    text = blocks.CharBlock(
        max_length=120,
        required=False,
        label="Link text",
        help_text="Link text that makes sense on its own. Leave blank to use the page title.",
    )
    page = blocks.PageChooserBlock(required=False, label="Link page", help_text="A page on this site…")
    url = blocks.URLBlock(required=False, label="Link URL", help_text="…or an address on another site (https://…).")

    def clean(self, value):
        value = super().clean(value)
        has_page, has_url = bool(value.get("page")), bool(value.get("url"))
        if has_page == has_url:
            message = (
                "Choose a page or enter an address, not both." if has_page else "Choose a page or enter an address."
            )
            raise StructBlockValidationError(block_errors={"url": ValidationError(message)})
        if has_url and not value.get("text"):
            raise StructBlockValidationError(
                block_errors={"text": ValidationError("Links to other sites need link text.")}
            )
        return value

    class Meta:
        icon = "link"
        value_class = LinkStructValue
        template = "blocks/link_block.html"
        description = "A link to a page on this site or to another site."
        preview_value = {"text": "Visit the office website", "url": "https://example.edu/"}


class CallToActionBlock(LinkBlock):
    class Meta:
        icon = "arrow-right"
        template = "blocks/call_to_action_block.html"
        description = "A prominent button-style link, e.g. to an office's own website."
        preview_value = {"text": "Visit the office website", "url": "https://example.edu/"}


class FigureBlock(blocks.StructBlock):
    image = ImageBlock(help_text="Give alt text that says what the image shows, or mark it decorative.")
    caption = blocks.CharBlock(required=False, max_length=250, help_text="Shown under the image.")

    class Meta:
        icon = "image"
        template = "blocks/figure_block.html"
        description = "An image with alt text and an optional caption."


class QuoteBlock(blocks.StructBlock):
    quote = blocks.TextBlock(max_length=600)
    attribution = blocks.CharBlock(required=False, max_length=120, help_text="Who said it.")

    class Meta:
        icon = "openquote"
        template = "blocks/quote_block.html"
        description = "A pull quote with who said it."
        preview_value = {"quote": "Everyone belongs here.", "attribution": "The Dean"}


class DocumentDownloadBlock(blocks.StructBlock):
    document = DocumentChooserBlock(help_text="The file visitors download; its type and size are shown.")
    text = blocks.CharBlock(required=False, max_length=120, help_text="Link text. Blank uses the document title.")

    class Meta:
        icon = "doc-full"
        template = "blocks/document_download_block.html"
        description = "A download link showing the file's type and size."


class WelcomeStatementBlock(blocks.StructBlock):
    graphic = ImageBlock(help_text="The welcome-statement graphic. Its alt text should repeat the words it shows.")
    statement = blocks.TextBlock(max_length=400, help_text="Shown beside the graphic.")
    how_to_post = LinkBlock(help_text="Where visitors learn how to post this statement.")
    poster = DocumentChooserBlock(required=False, help_text="Optional printable poster shown as a download.")

    class Meta:
        icon = "pick"
        template = "blocks/welcome_statement_block.html"
        description = "The welcome graphic with its statement, a posting guide link and a poster download."


class BodyStreamBlock(blocks.StreamBlock):
    heading = HeadingBlock()
    paragraph = ParagraphBlock()
    figure = FigureBlock()
    quote = QuoteBlock()
    call_to_action = CallToActionBlock()
    download = DocumentDownloadBlock()

    class Meta:
        # Pages render a body with {% include_block page.body %}; this template renders each block's
        # own template with no wrapper around it. Subclasses (HomeValuesStreamBlock) inherit it.
        template = "blocks/body_stream_block.html"


class HomeValuesStreamBlock(BodyStreamBlock):
    welcome_statement = WelcomeStatementBlock()


class SocialLinkBlock(blocks.StructBlock):
    platform = blocks.ChoiceBlock(
        choices=[
            ("facebook", "Facebook"),
            ("instagram", "Instagram"),
            ("linkedin", "LinkedIn"),
            ("x", "X"),
            ("youtube", "YouTube"),
            ("bluesky", "Bluesky"),
        ]
    )
    url = blocks.URLBlock(label="Link URL", help_text="The full address of the account.")

    class Meta:
        icon = "site"
        template = "blocks/social_link_block.html"
        description = "A link to one of the office's social media accounts."
        preview_value = {"platform": "instagram", "url": "https://www.instagram.com/"}


# Migrations name the paragraph block by the path it had before the core had a package of its
# own; dei_portal/blocks.py keeps that path importable (Wagtail reads this in Block.deconstruct).
DECONSTRUCT_ALIASES = {ParagraphBlock: "dei_portal.blocks.ParagraphBlock"}
