"""Demo content: the hand-written demo site (``content``, run by ``manage.py load_demo_content``)
and generated content at scale for benchmarks (``scale``, ``load_demo_content --scale N``).

It may use every layer; nothing but the management command imports it.
"""
