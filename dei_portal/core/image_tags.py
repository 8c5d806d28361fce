"""Wagtail's image template tags, with each tag's filters built once instead of on every render.

Wagtail's ``{% image %}``, ``{% srcset_image %}`` and ``{% picture %}`` nodes create new
``Filter`` objects every time they render, and a new ``Filter`` parses its spec again: it
looks up the registered image operations and checks each operation's arguments with
``inspect.getcallargs``. A listing with 24 cards, each a ``{% picture %}`` of six renditions,
spent about half of its rendering time there (``make bench`` profile, docs/performance.md).

The specs of a tag are fixed when the template is compiled, so the nodes here build their
filters on first use and keep them for the life of the compiled template. A ``Filter`` holds
only its spec and its parsed operations, which nothing changes after construction, so one
instance serves every render. Everything else (parsing the tag, finding or creating the
renditions, the HTML) is Wagtail's own code.

The site's templates load it as ``{% load image_tags %}`` in place of Wagtail's
``wagtailimages_tags``: the same tags and filters (``image``, ``srcset_image``, ``picture``,
``image_url``…), with the same syntax and output. Wagtail's admin keeps its own library.
"""

from django.utils.functional import cached_property
from wagtail.images.templatetags import wagtailimages_tags as wagtail_tags

register = wagtail_tags.register.__class__()
# Every tag and filter of Wagtail's library (image_url, the filters…), then our three nodes.
register.tags.update(wagtail_tags.register.tags)
register.filters.update(wagtail_tags.register.filters)


class ImageNode(wagtail_tags.ImageNode):
    @cached_property
    def _filter(self):
        return super().get_filter()

    def get_filter(self):
        return self._filter


class SrcsetImageNode(wagtail_tags.SrcsetImageNode):
    @cached_property
    def _filters(self):
        return super().get_filters()

    def get_filters(self):
        return list(self._filters)


class PictureNode(wagtail_tags.PictureNode):
    @cached_property
    def _filters(self):
        return super().get_filters()

    def get_filters(self):
        return list(self._filters)


NODES = {"image": ImageNode, "srcset_image": SrcsetImageNode, "picture": PictureNode}


def image(parser, token):
    """Wagtail's parser; the node it returns is swapped for its filter-keeping twin."""
    node = wagtail_tags.image(parser, token)
    tag_name = token.split_contents()[0]
    return NODES[tag_name](node.image_expr, node.filter_specs, attrs=node.attrs, output_var_name=node.output_var_name)


for name in NODES:
    register.tag(name, image)
