"""Statements of the office: a content app on the core (its models belong to the ``dei_portal`` app)."""
