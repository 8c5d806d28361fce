"""Stream bodies render through one wrapper: ``{% include_block page.body %}``.

The body streams (``BodyStreamBlock`` and the home page's ``HomeValuesStreamBlock``) name their own
template, templates/blocks/body_stream_block.html, which renders each block's own template one after
another with nothing around them (Wagtail's default rendering of a whole stream would wrap each in
``<div class="block-…">``). Page templates render a body with ``{% include_block page.body %}`` and
never loop over one by hand. What a visitor gets is each block's markup, in order, straight inside
the page's container; a block whose image or document has been deleted renders nothing at all.
"""

import json
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from django.apps import apps
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template import Context, Template
from django.test import Client
from django.test.signals import template_rendered
from wagtail.documents import get_document_model
from wagtail.fields import StreamField
from wagtail.images import get_image_model
from wagtail.images.tests.utils import get_test_image_file
from wagtail.models import Page

from dei_portal.core.blocks import BodyStreamBlock, HomeValuesStreamBlock

STREAM_TEMPLATE = "blocks/body_stream_block.html"
TEMPLATES = Path(settings.BASE_DIR) / "templates"
PAGE_TEMPLATES = {
    "dei_portal/home_page.html": ["page.body", "page.values_body"],
    "dei_portal/standard_page.html": ["page.body"],
    "dei_portal/statement_page.html": ["page.body"],
    "offices/office_page.html": ["page.body"],
    "offices/organization_page.html": ["page.body"],
    "announcements/announcement_page.html": ["page.body"],
}
# No block of a body is wrapped the way Wagtail's default stream rendering wraps it.
WRAPPER = re.compile(r'class="[^"]*\bblock-')


def used(response):
    return [template.name for template in response.templates]


def squash(html):
    return re.sub(r"\s+", " ", str(html)).strip()


class TemplatesRendered:
    """The names of the templates rendered inside the ``with`` (Django's test instrumentation)."""

    def __enter__(self):
        self.names = []
        template_rendered.connect(self._record)
        return self.names

    def _record(self, sender, template, context, **kwargs):
        self.names.append(template.name)

    def __exit__(self, *exc):
        template_rendered.disconnect(self._record)


@pytest.fixture
def image(db):
    return get_image_model().objects.create(
        title="Quad", description="Students on the quad", file=get_test_image_file(size=(1400, 800))
    )


@pytest.fixture
def document(db):
    return get_document_model().objects.create(
        title="Inclusive language guide", file=SimpleUploadedFile("guide.pdf", b"%PDF-1.4\n".ljust(3072, b"0"))
    )


def every_block(image, document):
    """One of every body block type (headings at all three levels), as the database stores them."""
    return [
        {"type": "heading", "value": {"text": "What we do", "level": "h2"}},
        {"type": "heading", "value": {"text": "Mentoring", "level": "h3"}},
        {"type": "heading", "value": {"text": "For residents", "level": "h4"}},
        {"type": "paragraph", "value": "<p>We <b>help</b>.</p>"},
        {
            "type": "figure",
            "value": {
                "image": {"image": image.pk, "alt_text": "The quad in spring", "decorative": False},
                "caption": "Our quad",
            },
        },
        {"type": "quote", "value": {"quote": "Everyone belongs here.", "attribution": "The Dean"}},
        {
            "type": "call_to_action",
            "value": {"text": "Visit the office website", "page": None, "url": "https://example.edu/"},
        },
        {"type": "download", "value": {"document": document.pk, "text": "Get the guide"}},
    ]


# --- the stream's own template ---------------------------------------------------------------------


def test_body_streams_name_their_template_and_every_page_stream_uses_one():
    assert BodyStreamBlock().meta.template == STREAM_TEMPLATE
    assert HomeValuesStreamBlock().meta.template == STREAM_TEMPLATE  # inherited from BodyStreamBlock
    page_streams = {
        f"{model.__name__}.{field.name}": field.stream_block.meta.template
        for model in apps.get_models()
        if issubclass(model, Page)
        for field in model._meta.get_fields()
        if isinstance(field, StreamField) and field.model is model
    }
    assert len(page_streams) >= 7, page_streams  # the positive control: the bodies are found
    assert set(page_streams.values()) == {STREAM_TEMPLATE}, page_streams


def test_include_block_of_a_whole_body_renders_each_block_with_no_wrapper():
    stream = BodyStreamBlock().to_python(
        [
            {"type": "heading", "value": {"text": "What we do", "level": "h3"}},
            {"type": "paragraph", "value": "<p>We help.</p>"},
            {"type": "quote", "value": {"quote": "Everyone belongs here.", "attribution": ""}},
            {"type": "call_to_action", "value": {"text": "Apply", "page": None, "url": "https://example.edu/"}},
        ]
    )
    with TemplatesRendered() as names:
        html = Template("{% load wagtailcore_tags %}{% include_block body %}").render(Context({"body": stream}))
    assert STREAM_TEMPLATE in names
    assert not WRAPPER.search(html), html
    # Exactly the blocks' own renderings, one after another.
    assert squash(html) == squash("".join(child.render() for child in stream))
    assert squash(html).startswith("<h3>What we do</h3>")
    # render_as_block (what include_block calls) is the same rendering.
    assert squash(stream.render_as_block()) == squash(html)


def test_include_block_passes_the_page_context_down_to_each_block():
    """A block template sees the page's context (request, page), as it did in the hand-written loop."""
    stream = BodyStreamBlock().to_python([{"type": "heading", "value": {"text": "Hi", "level": "h2"}}])
    seen = {}

    def record(sender, template, context, **kwargs):
        if template.name == "blocks/heading_block.html":
            seen.update(page=context.get("page"), value=context.get("value"))

    template_rendered.connect(record)
    try:
        html = Template("{% load wagtailcore_tags %}{% include_block body %}").render(
            Context({"body": stream, "page": "sentinel"})
        )
    finally:
        template_rendered.disconnect(record)
    assert squash(html) == "<h2>Hi</h2>"
    assert seen["page"] == "sentinel" and seen["value"]["text"] == "Hi"


# --- every page type -------------------------------------------------------------------------------


def test_every_page_type_renders_its_body_through_the_stream_template(client, tree):
    for name in ("home", "standard", "statement", "office", "organization", "announcement"):
        response = client.get(tree[name].url)
        assert response.status_code == 200, name
        expected = 2 if name == "home" else 1  # the home page has the body and the values body
        assert used(response).count(STREAM_TEMPLATE) == expected, (name, used(response))


def test_each_block_type_renders_its_markup_in_order(client, tree, image, document):
    page = tree["standard"]
    page.body = json.dumps(every_block(image, document))
    page.save_revision().publish()
    response = Client().get(page.url)
    assert STREAM_TEMPLATE in used(response)
    container = BeautifulSoup(response.content, "html.parser").select_one("main .container")
    children = [(child.name, " ".join(child.get("class", []))) for child in container.find_all(recursive=False)]
    assert children == [
        ("h1", ""),
        ("h2", ""),
        ("h3", ""),
        ("h4", ""),
        ("div", "rich-text"),
        ("figure", "figure"),
        ("figure", "quote"),
        ("p", "cta"),
        ("p", "download"),
    ]
    assert not WRAPPER.search(str(container))
    assert [h.get_text() for h in container.select(":scope > h2, :scope > h3, :scope > h4")] == [
        "What we do",
        "Mentoring",
        "For residents",
    ]
    assert squash(container.select_one(".rich-text").decode_contents()) == "<p>We <b>help</b>.</p>"
    figure = container.select_one("figure.figure")
    img = figure.select_one("picture img")
    assert img["alt"] == "The quad in spring" and img["loading"] == "lazy" and img["src"].startswith("/media/images/")
    assert [source["type"] for source in figure.select("picture source")] == ["image/avif", "image/webp"]
    assert figure.figcaption.get_text() == "Our quad"
    quote = container.select_one("figure.quote")
    assert quote.select_one("blockquote p").get_text() == "Everyone belongs here."
    assert quote.figcaption.get_text() == "The Dean"
    cta = container.select_one("p.cta a.button")
    assert cta["href"] == "https://example.edu/" and cta.get_text() == "Visit the office website"
    download = container.select_one("p.download a[download]")
    assert download["href"] == document.url
    assert download.get_text() == "Get the guide (PDF, 3.0\xa0KB)"


def test_the_home_page_values_body_renders_the_welcome_statement(client, home, image):
    home.values_body = json.dumps(
        [
            {
                "type": "welcome_statement",
                "value": {
                    "graphic": {"image": image.pk, "alt_text": "Welcome, in many languages", "decorative": False},
                    "statement": "Everyone is welcome here.",
                    "how_to_post": {"page": None, "url": "https://example.edu/post/", "text": "How to post it"},
                    "poster": None,
                },
            },
            {"type": "heading", "value": {"text": "After the welcome", "level": "h2"}},
        ]
    )
    home.save_revision().publish()
    response = client.get("/")
    assert used(response).count(STREAM_TEMPLATE) == 2
    html = BeautifulSoup(response.content, "html.parser")
    section = html.select_one("main .container > section.welcome-statement")
    assert section["aria-labelledby"] == "welcome-statement-heading"
    assert section.select_one("h2#welcome-statement-heading.visually-hidden").get_text() == "Welcome statement"
    assert section.select_one(".welcome-statement__graphic picture img")["loading"] == "lazy"
    assert section.find_next_sibling().name == "h2" and section.find_next_sibling().get_text() == "After the welcome"
    assert not WRAPPER.search(str(html.main))


# --- what is gone renders nothing ------------------------------------------------------------------


def test_a_block_whose_image_or_document_is_gone_renders_nothing(client, tree, image, document):
    page = tree["standard"]
    page.body = json.dumps(
        [
            {
                "type": "figure",
                "value": {
                    "image": {"image": image.pk, "alt_text": "The quad", "decorative": False},
                    "caption": "Our quad",
                },
            },
            {"type": "download", "value": {"document": document.pk, "text": "Get the guide"}},
        ]
    )
    page.save_revision().publish()
    container = lambda: BeautifulSoup(Client().get(page.url).content, "html.parser").select_one("main .container")  # noqa: E731
    assert container().select("figure img") and container().select("a[download]")  # the positive control
    image.delete()
    document.delete()
    # The whole body renders as nothing but whitespace: no empty figure, link or wrapper.
    body = type(page).objects.get(pk=page.pk).body
    assert body.render_as_block().strip() == ""
    assert Template("{% load wagtailcore_tags %}{% include_block body %}").render(Context({"body": body})).strip() == ""
    assert [child.name for child in container().find_all(recursive=False)] == ["h1"]
    assert "Our quad" not in container().get_text() and "Get the guide" not in container().get_text()


# --- the templates ---------------------------------------------------------------------------------


def test_page_templates_include_their_bodies_and_never_loop_over_them():
    hand_loop = re.compile(r"{%\s*for\s+\w+\s+in\s+(?:page|self)\.\w*body\b")
    assert hand_loop.search("{% for block in page.values_body %}")  # the pattern finds what it forbids
    assert hand_loop.search("{%  for b in self.body %}")
    for path in TEMPLATES.rglob("*.html"):
        assert not hand_loop.search(path.read_text()), f"{path.relative_to(TEMPLATES)} loops over a body by hand"
    for name, bodies in PAGE_TEMPLATES.items():
        text = (TEMPLATES / name).read_text()
        for body in bodies:
            assert f"{{% include_block {body} %}}" in text, f"{name} must include_block {body}"
    stream_template = (TEMPLATES / STREAM_TEMPLATE).read_text()
    assert "{% include_block block %}" in stream_template
