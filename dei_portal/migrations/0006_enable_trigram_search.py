"""Typo-tolerant search on PostgreSQL: enable the pg_trgm extension.

Wagtail's ``Fuzzy`` search query needs it. ``TrigramExtension`` does nothing on other
databases (SQLite's backend has no fuzzy search). pg_trgm is a trusted extension, so the
database owner may create it without superuser rights (PostgreSQL 13+).
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("dei_portal", "0005_roles_and_review_workflow")]

    operations = [TrigramExtension()]
