"""The suite's own structure: every module in a group, and snapshots as good as building.

- Every tests/test_*.py module is in exactly one group of tests/conftest.py's GROUPS (content,
  site, accounts, ops), so `make test-fast` and `-m <group>` cannot miss a new file; every
  collected test carries its group's marker, and `browser` exactly when it drives chromium.
- The ``tree`` and ``demo`` fixtures restore rows built once per session (tests/snapshots.py):
  restoring one gives the same rows, page tree, search index and media as running its builder.
"""

from pathlib import Path

from django.db import connection, transaction
from wagtail.blocks import StreamValue
from wagtail.models import Page

from tests.conftest import GROUP_OF, GROUPS, build_demo, build_tree
from tests.snapshots import read_tables

TESTS = Path(__file__).resolve().parent
TOPICS = set(GROUPS)


def ungrouped(modules):
    """The test modules (file names) that no group names."""
    return sorted(name for name in modules if name.startswith("test_") and name not in GROUP_OF)


def test_every_test_module_is_in_a_group():
    modules = [path.name for path in TESTS.glob("test_*.py")]
    assert ungrouped(modules) == [], "add these to GROUPS in tests/conftest.py"
    named = [module for group in GROUPS.values() for module in group]
    assert len(named) == len(set(named)), "a module is in two groups"


def test_a_module_without_a_group_is_found():
    """Positive control for the check above."""
    assert ungrouped(["test_pages.py", "test_brand_new.py", "conftest.py", "snapshots.py"]) == ["test_brand_new.py"]


def test_every_collected_test_carries_one_group_and_browser_when_it_drives_chromium(request):
    wrong = []
    for item in request.session.items:
        groups = {mark.name for mark in item.iter_markers()} & TOPICS
        group = GROUP_OF.get(item.path.name, "none: its module is not in GROUPS")
        if groups != {group}:
            wrong.append(f"{item.nodeid}: marked {sorted(groups)}, its group is {group}")
        if (item.get_closest_marker("browser") is not None) != ("browser" in item.fixturenames):
            wrong.append(f"{item.nodeid}: browser marker without the browser fixture, or the other way round")
    assert not wrong, "\n".join(wrong)


def summary():
    """What a builder leaves, without the ids and times that differ from one build to the next:
    the number of rows in every table, the page tree, the search index and the settings."""
    from wagtail.search.models import IndexEntry

    from dei_portal.models import FooterSettings, NavigationSettings

    counts = {table: len(rows) for table, (_columns, _key, rows) in read_tables().items()}
    pages = sorted(
        Page.objects.values_list(
            "path", "depth", "numchild", "url_path", "title", "slug", "live", "has_unpublished_changes"
        )
    )
    index = sorted(IndexEntry.objects.values_list("title", "body", "autocomplete"))
    if connection.vendor == "sqlite":  # the full-text table its triggers keep
        with connection.cursor() as cursor:
            cursor.execute("SELECT title, body, autocomplete FROM wagtailsearch_indexentry_fts")
            index += sorted(cursor.fetchall())
    chrome = [list(FooterSettings.objects.values()), list(NavigationSettings.objects.values())]
    for rows in chrome:
        for row in rows:
            row.pop("id")
            for name, value in row.items():
                if isinstance(value, StreamValue):  # its blocks' ids are new in every build
                    row[name] = str(value.render_as_block())
    return {"counts": counts, "pages": pages, "index": index, "settings": chrome}


def built_and_restored(build, snapshot):
    with transaction.atomic():
        snapshot.restore()
        restored = summary()
        transaction.set_rollback(True)
    with transaction.atomic():
        build()
        built = summary()
        transaction.set_rollback(True)
    return built, restored


def test_the_tree_snapshot_is_what_the_factories_build(db, tree_snapshot):
    built, restored = built_and_restored(build_tree, tree_snapshot)
    assert restored == built


def test_the_demo_snapshot_is_what_load_demo_content_builds(db, demo_snapshot, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"  # a restore writes the demo's files where there are none
    built, restored = built_and_restored(build_demo, demo_snapshot)
    assert restored == built
    assert demo_snapshot.media, "the demo content has images and documents"
    for name, content in demo_snapshot.media.items():
        assert (tmp_path / "media" / name).read_bytes() == content
