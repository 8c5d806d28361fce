"""Content built once per test session and put back into each test's database in milliseconds.

Building a site through the ORM is slow (every page save validates, writes a revision, a log
entry, the reference index and the search index, each query compiled in Python): the ``tree``
fixture took about a second a test, the demo content five to ten. A :class:`Snapshot` runs the
builder once, in a transaction it then rolls back, and keeps the rows the builder added or
changed, table by table, exactly as the database stored them (PostgreSQL's ``COPY`` text,
SQLite's values), plus the media files it wrote. :meth:`Snapshot.restore` writes those rows into
the current test's database (deleting the ones the builder changed first) and returns the
builder's objects fetched afresh, so a test sees the database the builder would have left.

Restoring needs the database as the migrations left it, which is what every test starts with:
``db`` tests roll back, and transactional tests restore it (``django_db_serialized_rollback``).
What the builder did outside the database is done again on restore: its media files are written
back if missing (into the MEDIA_ROOT of the moment), and the content generation moves on, as
the builder's saves moved it (dei_portal/core/cache.py), so nothing cached for another test's
content is served. Sequences are left where the builder took them (PostgreSQL does not roll them
back; SQLite's AUTOINCREMENT counter follows the restored ids), so rows a test adds never collide
with restored ones.

tests/test_suite.py checks that a restore leaves the same rows as building afresh.
"""

import io
from pathlib import Path

from django.conf import settings
from django.db import connection, models, transaction
from wagtail.models import Site

from dei_portal.core import cache as content_cache


def _quote(name):
    return connection.ops.quote_name(name)


def _tables(cursor):
    """Every table of a Django model (auto-created many-to-many tables too), except SQLite
    virtual tables: the full-text index there is kept by triggers on its source table."""
    tables = set(connection.introspection.django_table_names(only_existing=True, include_views=False))
    if connection.vendor == "sqlite":
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%'")
        tables -= {name for (name,) in cursor.fetchall()}
    return sorted(tables)


def _primary_key(cursor, table):
    """The table's columns and the position of its primary key among them."""
    cursor.execute(f"SELECT * FROM {_quote(table)} WHERE 1 = 0")  # noqa: S608 (a model's table name)
    columns = [column[0] for column in cursor.description]
    return columns, columns.index(connection.introspection.get_primary_key_column(cursor, table))


def _unescape_copy(value):
    """A value as PostgreSQL's COPY text format writes it, as text."""
    text = value.decode()
    if "\\" in text:
        text = text.replace("\\\\", "\0").replace("\\t", "\t").replace("\\n", "\n").replace("\\r", "\r")
        text = text.replace("\0", "\\")
    return text


class _PostgreSQL:
    @staticmethod
    def read(cursor, table, key):
        """{primary key as text: the row as COPY writes it}."""
        buffer = io.BytesIO()
        cursor.cursor.copy_expert(f"COPY {_quote(table)} TO STDOUT", buffer)  # psycopg2, as locked
        data = buffer.getvalue()
        rows = {}
        for line in data.split(b"\n"):
            if line:
                rows[_unescape_copy(line.split(b"\t")[key])] = line
        return rows

    @staticmethod
    def delete(cursor, table, pk_column, keys):
        cursor.execute(
            f"DELETE FROM {_quote(table)} WHERE {_quote(pk_column)}::text = ANY(%s)",  # noqa: S608 (model table)
            [list(keys)],
        )

    @staticmethod
    def write(cursor, table, columns, rows):
        cursor.cursor.copy_expert(f"COPY {_quote(table)} FROM STDIN", io.BytesIO(b"\n".join(rows) + b"\n"))


class _SQLite:
    @staticmethod
    def read(cursor, table, key):
        cursor.execute(f"SELECT * FROM {_quote(table)}")  # noqa: S608 (a model's table name)
        return {row[key]: row for row in cursor.fetchall()}

    @staticmethod
    def delete(cursor, table, pk_column, keys):
        keys = list(keys)
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            placeholders = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                f"DELETE FROM {_quote(table)} WHERE {_quote(pk_column)} IN ({placeholders})",  # noqa: S608
                chunk,
            )

    @staticmethod
    def write(cursor, table, columns, rows):
        names = ", ".join(_quote(column) for column in columns)
        placeholders = ", ".join(["%s"] * len(columns))
        cursor.executemany(f"INSERT INTO {_quote(table)} ({names}) VALUES ({placeholders})", rows)  # noqa: S608


def _backend():
    return {"postgresql": _PostgreSQL, "sqlite": _SQLite}[connection.vendor]


def read_tables():
    """{table: (columns, primary key column, {key: row})} for every model table."""
    backend = _backend()
    found = {}
    with connection.cursor() as cursor:
        for table in _tables(cursor):
            columns, key = _primary_key(cursor, table)
            found[table] = (columns, columns[key], backend.read(cursor, table, key))
    return found


def _media_files():
    root = Path(settings.MEDIA_ROOT)
    return {path.relative_to(root).as_posix(): path for path in root.rglob("*") if path.is_file()}


class Snapshot:
    """What ``build()`` adds to the migrated database, captured once and restored per test."""

    def __init__(self, build):
        self.build = build
        self.tables = {}  # table: (columns, primary key column, keys to delete, rows to write)
        self.objects = {}
        self.media = {}
        self._capture()

    def _capture(self):
        media_before = set(_media_files())
        with transaction.atomic():
            if not Site.objects.exists():
                # A transactional test flushed the database: back to the migrated state, as
                # django_db_serialized_rollback puts it back before the tests that restore this.
                connection.creation.deserialize_db_from_string(connection._test_serialized_contents)
            before = read_tables()
            built = self.build()
            after = read_tables()
            transaction.set_rollback(True)
        for table, (columns, pk_column, rows) in after.items():
            old = before[table][2]
            written = [row for key, row in rows.items() if old.get(key) != row]
            dropped = [key for key, row in old.items() if rows.get(key) != row]
            if written or dropped:
                self.tables[table] = (columns, pk_column, dropped, written)
        for name, value in built.items():
            if isinstance(value, models.Model):
                self.objects[name] = (type(value), value.pk)
            else:
                raise TypeError(f"{name}: a snapshot's builder returns model instances only, not {value!r}")
        for name, path in _media_files().items():
            if name not in media_before:
                self.media[name] = path.read_bytes()

    def restore(self):
        """Write the builder's rows and files into this test's database; its objects, fetched."""
        backend = _backend()
        with transaction.atomic(), connection.cursor() as cursor:
            for table, (_columns, pk_column, dropped, _written) in self.tables.items():
                if dropped:
                    backend.delete(cursor, table, pk_column, dropped)
            for table, (columns, _pk_column, _dropped, written) in self.tables.items():
                if written:
                    backend.write(cursor, table, columns, written)
            content_cache.invalidate()
        Site.clear_site_root_paths_cache()
        root = Path(settings.MEDIA_ROOT)
        for name, content in self.media.items():
            path = root / name
            if not path.exists():
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(content)
        return {name: model._base_manager.get(pk=pk) for name, (model, pk) in self.objects.items()}


def call_quietly(command, *args, **options):
    """``call_command`` with its output thrown away."""
    from django.core.management import call_command

    call_command(command, *args, stdout=io.StringIO(), **options)
