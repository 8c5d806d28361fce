"""``manage.py load_demo_content [--scale N]``: the demo site, built by dei_portal/demo/content.py."""

from dei_portal.demo.content import Command

__all__ = ["Command"]
