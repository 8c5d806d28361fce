"""Statements (dei_portal.statements); build them under a parent."""

import factory

from dei_portal.statements.models import StatementIndexPage, StatementPage

from .core import BasePageFactory


class StatementIndexPageFactory(BasePageFactory):
    title = "Statements"

    class Meta:
        model = StatementIndexPage


class StatementPageFactory(BasePageFactory):
    title = factory.Sequence(lambda n: f"Statement {n}")
    issued_by = "the Dean"
    excerpt = factory.LazyAttribute(lambda page: f"Excerpt of {page.title}.")

    class Meta:
        model = StatementPage
