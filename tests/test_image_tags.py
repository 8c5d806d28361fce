"""dei_portal/core/image_tags.py: Wagtail's image tags, with each tag's filters parsed once."""

import inspect
from unittest import mock

import pytest
from django.template import Context, Engine, Template
from wagtail_factories import ImageFactory

TAGS = (
    "{% load image_tags %}"
    "{% picture img format-{avif,webp,jpeg} fill-{400x225,800x450} sizes='100vw' alt='' %}"
    "{% srcset_image img width-{200,400} sizes='100vw' alt='' %}"
    "{% image img max-160x80 format-webp alt='' %}"
    "{% image img fill-80x80 as thumb %}{{ thumb.url }}"
)


@pytest.fixture
def image(db):
    return ImageFactory(title="Poster")


def test_the_site_templates_load_the_project_library():
    """Every template of the site that uses image tags loads them from image_tags."""
    from pathlib import Path

    from django.conf import settings

    for path in Path(settings.BASE_DIR, "templates").rglob("*.html"):
        assert "wagtailimages_tags" not in path.read_text(), path


def test_the_project_library_is_what_templates_load():
    template = Template(TAGS)
    node_modules = {type(node).__module__ for node in template.nodelist if "Image" in type(node).__name__}
    assert node_modules == {"dei_portal.core.image_tags"}


def test_same_html_as_wagtails_own_tags(image):
    wagtail = Engine(libraries={"image_tags": "wagtail.images.templatetags.wagtailimages_tags"})
    ours = Template(TAGS).render(Context({"img": image}))
    theirs = wagtail.from_string(TAGS).render(Context({"img": image}))
    assert ours == theirs
    assert "<picture>" in ours and "srcset=" in ours and ".webp" in ours


def test_filters_are_parsed_once_per_template_not_per_render(image):
    """Parsing a spec checks each operation's arguments with inspect.getcallargs: with the
    filters kept on the node, rendering again parses nothing."""
    template = Template(TAGS)
    template.render(Context({"img": image}))  # first render: parses, creates the renditions
    with mock.patch.object(inspect, "getcallargs", wraps=inspect.getcallargs) as parse:
        for _ in range(3):
            template.render(Context({"img": image}))
    assert parse.call_count == 0

    # Wagtail's own nodes parse every spec on every render (what this module saves).
    wagtail = Engine(libraries={"image_tags": "wagtail.images.templatetags.wagtailimages_tags"})
    theirs = wagtail.from_string(TAGS)
    theirs.render(Context({"img": image}))
    with mock.patch.object(inspect, "getcallargs", wraps=inspect.getcallargs) as parse:
        theirs.render(Context({"img": image}))
    assert parse.call_count >= 10


def test_one_template_serves_different_images(image):
    other = ImageFactory(title="Logo", width=300, height=300)
    template = Template("{% load image_tags %}{% image img fill-80x80 as r %}{{ r.url }} {{ r.image_id }}")
    first = template.render(Context({"img": image}))
    second = template.render(Context({"img": other}))
    assert first.split()[1] == str(image.pk)
    assert second.split()[1] == str(other.pk)
    assert first.split()[0] != second.split()[0]


def test_bad_specs_are_still_template_errors():
    from django.template import TemplateSyntaxError

    with pytest.raises(TemplateSyntaxError):
        Template("{% load image_tags %}{% image img %}")
