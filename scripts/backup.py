#!/usr/bin/env python3
"""Back up, restore and verify the site: PostgreSQL (pg_dump custom format) + media + manifest.

    scripts/backup.py backup  [--database-url URL] [--media-root DIR] [--backup-dir DIR]
    scripts/backup.py restore BACKUP [--database-url URL] [--media-root DIR] [--force]
    scripts/backup.py verify  BACKUP [--database-url URL] [--media-root DIR]
    scripts/backup.py drill   [--database-url URL] [--scale N] [--keep]

Defaults come from the environment the site runs with: DATABASE_URL, MEDIA_ROOT (else ./media)
and BACKUP_DIR (else ./backups). A backup is a folder BACKUP_DIR/<UTC timestamp>/ holding
``database.dump`` (pg_dump --format=custom), ``media.tar.gz`` (every file under MEDIA_ROOT) and
``manifest.json`` (row counts of every table, the headline counts of pages, revisions, images,
renditions, documents and users, and every media file with its size and SHA-256). The counts and
the dump come from the same database snapshot, so they agree even while editors keep working.

``restore`` refuses a database that has tables, or a media folder with files, unless --force
(then the database is cleaned and the old media folder is kept aside as <dir>.before-restore-*);
it creates the database when it does not exist, and ends by verifying against the manifest.
``drill`` proves a restore loses nothing on a throwaway copy of the demo site (docs/backup.md).
Media on S3 is not in the archive: bucket versioning and replication back it up (docs/backup.md).
"""

import argparse
import datetime as dt
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # for `scripts.…`
from scripts.harness import (
    ROOT,
    Column,
    HarnessError,
    PostgresServer,
    django_call,
    django_env,
    is_postgres_url,
    manage,
    print_table,
)

MANIFEST_VERSION = 1
# The headline counts (table names of the models): what a lost restore would show first.
HEADLINE = {
    "pages": "wagtailcore_page",
    "revisions": "wagtailcore_revision",
    "images": "wagtailimages_image",
    "renditions": "wagtailimages_rendition",
    "documents": "wagtaildocs_document",
    "users": "dei_portal_user",
}
# Columns that name a file in the media storage: each must be present after a restore.
FILE_COLUMNS = [
    ("wagtailimages_image", "file"),
    ("wagtailimages_rendition", "file"),
    ("wagtaildocs_document", "file"),
]


class BackupError(Exception):
    pass


# PostgreSQL: the server and database of a URL (scripts/harness/postgres.py). Client programs
# get libpq environment variables, so no password is on a command line.


def database(database_url):
    """(PostgresServer, database name) of DATABASE_URL; BackupError unless it is PostgreSQL."""
    if not is_postgres_url(database_url):
        scheme = database_url.split(":", 1)[0] if database_url and ":" in database_url else "unset"
        raise BackupError(
            f"backups need PostgreSQL (DATABASE_URL is {scheme}): production backups are "
            "pg_dump; for a local SQLite database, copy db.sqlite3 and media/"
        )
    return PostgresServer.from_url(database_url)


def table_counts(cursor):
    """Exact row counts of every table in the public schema."""
    cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
    counts = {}
    for (table,) in cursor.fetchall():
        cursor.execute(f'SELECT count(*) FROM public."{table}"')  # noqa: S608 (names from the catalogue)
        counts[table] = cursor.fetchone()[0]
    return counts


def referenced_files(cursor):
    names = set()
    for table, column in FILE_COLUMNS:
        cursor.execute(f'SELECT "{column}" FROM public."{table}"')  # noqa: S608 (FILE_COLUMNS, above)
        names.update(name for (name,) in cursor.fetchall() if name)
    return sorted(names)


# Media files


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def media_listing(media_root):
    media_root = Path(media_root)
    if not media_root.exists():
        return []
    return [
        {"path": path.relative_to(media_root).as_posix(), "size": path.stat().st_size, "sha256": sha256(path)}
        for path in sorted(media_root.rglob("*"))
        if path.is_file()
    ]


# backup


def backup(database_url, media_root, backup_dir, out=sys.stdout):
    server, dbname = database(database_url)
    media_root = Path(media_root)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    target = Path(backup_dir) / stamp
    suffix = 1
    while target.exists():
        suffix += 1
        target = Path(backup_dir) / f"{stamp}-{suffix}"
    target.mkdir(parents=True)

    # One snapshot for the counts and the dump: a REPEATABLE READ transaction exports it and
    # stays open while pg_dump reads the same snapshot.
    connection = server.connect(dbname)
    try:
        connection.set_session(isolation_level="REPEATABLE READ", readonly=True)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            tables = table_counts(cursor)
            files_in_db = referenced_files(cursor)
            cursor.execute("SHOW server_version")
            server_version = cursor.fetchone()[0]
            dump = target / "database.dump"
            subprocess.run(
                ["pg_dump", "--format=custom", f"--snapshot={snapshot}", f"--file={dump}"],
                env=server.libpq_env(dbname),
                check=True,
            )
    finally:
        connection.rollback()
        connection.close()

    archive = target / "media.tar.gz"
    files = media_listing(media_root)
    with tarfile.open(archive, "w:gz") as tar:
        for entry in files:
            tar.add(media_root / entry["path"], arcname=entry["path"], recursive=False)

    missing = sorted(set(files_in_db) - {entry["path"] for entry in files})
    manifest = {
        "version": MANIFEST_VERSION,
        "created": stamp,
        "database": {"name": dbname, "host": server.host, "server_version": server_version},
        "counts": {name: tables.get(table, 0) for name, table in HEADLINE.items()},
        "tables": tables,
        "media_root": str(media_root),
        "media": files,
        "media_bytes": sum(entry["size"] for entry in files),
        "files_referenced_but_missing": missing,
        "dump": {"file": dump.name, "size": dump.stat().st_size, "sha256": sha256(dump)},
        "archive": {"file": archive.name, "size": archive.stat().st_size, "sha256": sha256(archive)},
    }
    (target / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    print(f"backup: {target}", file=out)
    print(
        "  "
        + ", ".join(f"{name} {count}" for name, count in manifest["counts"].items())
        + f"; {len(files)} media files ({manifest['media_bytes']} bytes); dump {manifest['dump']['size']} bytes",
        file=out,
    )
    if missing:
        print(f"  warning: {len(missing)} files named in the database are not in MEDIA_ROOT", file=out)
    return target


# restore


def user_tables(server, dbname):
    connection = server.connect(dbname)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
            return cursor.fetchone()[0]
    finally:
        connection.close()


def load_manifest(backup_path):
    path = Path(backup_path) / "manifest.json"
    if not path.exists():
        raise BackupError(f"{path} not found: not a backup folder")
    manifest = json.loads(path.read_text())
    for part in ("dump", "archive"):
        file = Path(backup_path) / manifest[part]["file"]
        if sha256(file) != manifest[part]["sha256"]:
            raise BackupError(f"{file} does not match its checksum in the manifest: the backup is damaged")
    return manifest


def restore(backup_path, database_url, media_root, force=False, out=sys.stdout):
    backup_path = Path(backup_path)
    manifest = load_manifest(backup_path)
    server, dbname = database(database_url)
    media_root = Path(media_root)

    if not server.database_exists(dbname):
        server.create_database(dbname)
        print(f"restore: created database {dbname}", file=out)
    elif user_tables(server, dbname) and not force:
        raise BackupError(
            f"database {dbname} is not empty: restore into an empty database, or add --force to replace its contents"
        )
    if media_root.exists() and any(path.is_file() for path in media_root.rglob("*")) and not force:
        raise BackupError(f"{media_root} has files: restore into an empty folder, or add --force")

    command = ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", f"--dbname={dbname}"]
    if force:
        command += ["--clean", "--if-exists"]
    subprocess.run([*command, str(backup_path / manifest["dump"]["file"])], env=server.libpq_env(dbname), check=True)

    if media_root.exists() and any(media_root.iterdir()):
        aside = media_root.with_name(f"{media_root.name}.before-restore-{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%SZ}")
        media_root.rename(aside)
        print(f"restore: the media folder that was there is kept as {aside}", file=out)
    media_root.mkdir(parents=True, exist_ok=True)
    with tarfile.open(backup_path / manifest["archive"]["file"], "r:gz") as tar:
        if hasattr(tarfile, "data_filter"):
            tar.extractall(media_root, filter="data")  # no absolute paths, links out or devices
        else:  # pragma: no cover - Python before 3.11.4
            for member in tar.getmembers():
                if not member.isfile() or member.name.startswith("/") or ".." in Path(member.name).parts:
                    raise BackupError(f"unsafe path in the media archive: {member.name}")
            tar.extractall(media_root)  # noqa: S202 (every member checked above)
    print(f"restore: {dbname} and {media_root} restored from {backup_path}", file=out)
    return verify(backup_path, database_url, media_root, out=out)


# verify


def verify(backup_path, database_url, media_root, out=sys.stdout):
    """Compare a database and media folder with a backup's manifest; return the report rows."""
    manifest = json.loads((Path(backup_path) / "manifest.json").read_text())
    server, dbname = database(database_url)
    connection = server.connect(dbname)
    try:
        with connection.cursor() as cursor:
            tables = table_counts(cursor)
            files_in_db = referenced_files(cursor)
    finally:
        connection.close()

    rows = []
    for name, table in HEADLINE.items():
        rows.append((name, manifest["counts"][name], tables.get(table, 0)))
    other = sorted(set(manifest["tables"]) | set(tables))
    differing = [t for t in other if manifest["tables"].get(t) != tables.get(t)]
    rows.append(("tables with equal row counts", len(manifest["tables"]), len(other) - len(differing)))

    media_root = Path(media_root)
    present = {entry["path"]: entry for entry in media_listing(media_root)}
    same = [e for e in manifest["media"] if present.get(e["path"], {}).get("sha256") == e["sha256"]]
    rows.append(("media files, same SHA-256", len(manifest["media"]), len(same)))
    missing_refs = [name for name in files_in_db if name not in present]
    rows.append(("files the database names, missing", len(manifest["files_referenced_but_missing"]), len(missing_refs)))

    print_table(TABLE_COLUMNS["restored"], rows, rule="columns", out=out)
    problems = [row for row in rows if row[1] != row[2]]
    for table in differing:
        print(f"  table {table}: {manifest['tables'].get(table)} in the backup, {tables.get(table)} restored", file=out)
    if problems or differing:
        raise BackupError("the restore does not match the backup: " + ", ".join(str(row[0]) for row in problems))
    print("verify: everything in the backup is there", file=out)
    return rows


# The comparison tables: a row's name, then its figure in the backup (or the source site) and
# in the restored copy.
TABLE_COLUMNS = {
    "restored": [Column(""), Column("backup", ">", gap="  "), Column("restored", ">", gap="  ")],
    "drill": [Column(""), Column("source", ">", gap="  "), Column("restored", ">", gap="  ")],
}


# Rendering pages against a restored database (a separate process with its own settings)


def site_env(database_url, media_root):
    return django_env(
        "dei_portal.settings.dev",
        drop=("REDIS_URL",),  # local memory cache: nothing from the live site's cache
        DATABASE_URL=database_url,
        MEDIA_ROOT=media_root,
        ALLOWED_HOSTS="testserver,localhost,127.0.0.1",
        PAGE_CACHE="off",
        FRAGMENT_CACHE="off",
        PAGE_CACHE_STAMP_FILE=Path(tempfile.gettempdir()) / "dei-portal-backup-drill-generation",
    )


def render_check():
    """Serve every live page, every document and every rendition in pages (inside Django, with
    the site's settings: see render_pages); a summary of what was served."""
    from django.conf import settings
    from django.test import Client
    from wagtail.documents.models import Document
    from wagtail.images.models import Rendition
    from wagtail.models import Page

    client = Client()
    renditions_before = Rendition.objects.count()
    result = {"pages": 0, "pages_ok": 0, "documents": 0, "documents_ok": 0, "images": 0, "images_ok": 0, "failures": []}
    image_urls = set()
    for page in Page.objects.live().public().specific().filter(depth__gt=1):
        url = page.get_url()
        if not url:
            continue
        result["pages"] += 1
        response = client.get(url)
        if response.status_code == 200:
            result["pages_ok"] += 1
            for found in re.findall(rf'{re.escape(settings.MEDIA_URL)}images/[^"\s?&<]+', response.content.decode()):
                # JSON-LD writes "-" as \u002D: the same URL, escaped.
                image_urls.add(found.encode().decode("unicode_escape") if "\\u" in found else found)
        else:
            result["failures"].append(f"{url}: {response.status_code}")
    for document in Document.objects.filter(collection__view_restrictions__isnull=True):
        result["documents"] += 1
        response = client.get(document.url)
        body = b"".join(response.streaming_content) if response.status_code == 200 else b""
        if response.status_code == 200 and hashlib.sha256(body).hexdigest() == sha256(document.file.path):
            result["documents_ok"] += 1
        else:
            result["failures"].append(f"{document.url}: {response.status_code}")
    for url in sorted(image_urls):
        result["images"] += 1
        path = Path(settings.MEDIA_ROOT) / url[len(settings.MEDIA_URL) :]
        if path.is_file() and path.stat().st_size > 0:
            result["images_ok"] += 1
        else:
            result["failures"].append(f"{url}: missing")
    result["new_renditions"] = Rendition.objects.count() - renditions_before
    return result


def render_pages(database_url, media_root):
    """render_check in a separate process, on that database and media folder."""
    try:
        return django_call(site_env(database_url, media_root), "scripts.backup:render_check")
    except HarnessError as error:
        raise BackupError(f"render-check failed:\n{error}") from error


# drill


def drill(database_url, scale=0, keep=False, out=sys.stdout):
    """Demo site -> backup -> restore into a fresh database and media folder -> compare -> render."""
    server, _ = database(database_url)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d%H%M%S")
    source, restored = f"backup_drill_source_{stamp}", f"backup_drill_restored_{stamp}"
    url = server.url

    work = Path(tempfile.mkdtemp(prefix="dei-portal-backup-drill-"))
    source_media, restored_media = work / "media", work / "restored-media"
    source_media.mkdir()
    timings = {}
    try:
        server.create_database(source)
        env = site_env(url(source), source_media)
        started = dt.datetime.now()
        manage(env, "migrate", "--noinput")
        manage(env, "load_demo_content", *(["--scale", str(scale)] if scale else []))
        for username in ("drill-admin", "drill-editor"):
            manage(
                {**env, "DJANGO_SUPERUSER_PASSWORD": "drill-only-password-" + stamp},
                "createsuperuser",
                "--noinput",
                "--username",
                username,
                "--email",
                f"{username}@example.edu",
            )
        # Serve every page once, as visitors would: the renditions they need now exist.
        before = render_pages(url(source), source_media)
        timings["demo site"] = (dt.datetime.now() - started).total_seconds()

        started = dt.datetime.now()
        log = io.StringIO()  # the backup's and restore's own lines; the table below says it all
        target = backup(url(source), source_media, work / "backups", out=log)
        timings["backup"] = (dt.datetime.now() - started).total_seconds()

        started = dt.datetime.now()
        rows = restore(target, url(restored), restored_media, out=log)
        timings["restore + verify"] = (dt.datetime.now() - started).total_seconds()

        after = render_pages(url(restored), restored_media)
        rows = [
            *rows,
            ("pages served 200", before["pages_ok"], after["pages_ok"]),
            ("documents downloaded, same bytes", before["documents_ok"], after["documents_ok"]),
            ("images in pages, file present", before["images_ok"], after["images_ok"]),
            ("renditions made while serving", 0, after["new_renditions"]),
        ]
        site = f"demo site + --scale {scale}" if scale else "demo site"
        print(f"restore drill ({site}): {source} -> backup -> {restored}", file=out)
        print_table(TABLE_COLUMNS["drill"], rows, rule="columns", out=out)
        manifest = json.loads((target / "manifest.json").read_text())
        print(
            f"\nbackup {target.name}: database.dump {manifest['dump']['size']:,} bytes, media.tar.gz "
            f"{manifest['archive']['size']:,} bytes ({len(manifest['media'])} files, "
            f"{manifest['media_bytes']:,} bytes)",
            file=out,
        )
        print("timings: " + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in timings.items()), file=out)
        failures = before["failures"] + after["failures"]
        problems = [row for row in rows if row[1] != row[2]] + failures
        if problems or before["pages_ok"] != before["pages"]:
            raise BackupError(f"drill failed: {problems}")
        print("drill: PASS (nothing lost)", file=out)
    finally:
        if keep:
            print(f"kept: databases {source}, {restored}; files in {work}", file=out)
        else:
            server.drop_database(source)
            server.drop_database(restored)
            shutil.rmtree(work, ignore_errors=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    database = {"default": os.environ.get("DATABASE_URL", ""), "help": "PostgreSQL URL (default: DATABASE_URL)"}
    media = {"default": os.environ.get("MEDIA_ROOT", str(ROOT / "media")), "help": "default: MEDIA_ROOT or ./media"}

    command = commands.add_parser("backup", help="dump the database and archive the media")
    command.add_argument("--database-url", **database)
    command.add_argument("--media-root", **media)
    command.add_argument("--backup-dir", default=os.environ.get("BACKUP_DIR", str(ROOT / "backups")))

    for name, text in [("restore", "restore a backup, then verify it"), ("verify", "compare with a backup")]:
        command = commands.add_parser(name, help=text)
        command.add_argument("backup", help="a backup folder, BACKUP_DIR/<timestamp>")
        command.add_argument("--database-url", **database)
        command.add_argument("--media-root", **media)
        if name == "restore":
            command.add_argument("--force", action="store_true", help="replace a non-empty database and media folder")

    command = commands.add_parser("drill", help="demo site -> backup -> restore -> compare, on throwaway databases")
    command.add_argument("--database-url", **database)
    command.add_argument("--scale", type=int, default=0, help="add load_demo_content --scale N content")
    command.add_argument("--keep", action="store_true", help="keep the drill's databases and files")

    args = parser.parse_args(argv)
    try:
        if args.command == "backup":
            backup(args.database_url, args.media_root, args.backup_dir)
        elif args.command == "restore":
            restore(args.backup, args.database_url, args.media_root, force=args.force)
        elif args.command == "verify":
            verify(args.backup, args.database_url, args.media_root)
        elif args.command == "drill":
            drill(args.database_url, scale=args.scale, keep=args.keep)
    except (BackupError, HarnessError) as error:
        print(f"{args.command}: {error}", file=sys.stderr)
        return 1
    except subprocess.CalledProcessError as error:
        print(f"{args.command}: {error.cmd[0]} failed (exit {error.returncode})", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
