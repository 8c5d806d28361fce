"""The path existing migrations name for the paragraph block: ``dei_portal.blocks.ParagraphBlock``.

The blocks live in the core (dei_portal/core/blocks.py), which deconstructs ParagraphBlock under
this path (its ``DECONSTRUCT_ALIASES``), so new migrations name it the same way.
"""

from dei_portal.core.blocks import ParagraphBlock

__all__ = ["ParagraphBlock"]
