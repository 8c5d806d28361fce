"""The restore drill: back up a site, restore it into a fresh database and media folder, lose nothing.

Production backups are pg_dump archives, so this runs on PostgreSQL only (`make test` runs the
suite on PostgreSQL when DATABASE_URL is set, as CI does). The site is built in the test database
(committed rows: pg_dump reads them from another connection), backed up with
scripts/backup.py, restored into a separate database (<test database>_restored) and a new media
folder, and compared: row counts, media files by SHA-256, and pages served from the restored
database by a separate process.
"""

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import connection
from django.test import Client
from wagtail.documents.models import Document
from wagtail.images.models import Image, Rendition
from wagtail.models import Page, Revision
from wagtail_factories import ImageFactory

from scripts import backup as backup_script
from tests.factories.site import StandardPageFactory
from tests.test_uploads import pdf_bytes

BASE_DIR = Path(__file__).resolve().parent.parent
SCRIPT = BASE_DIR / "scripts" / "backup.py"

pytestmark = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="backups are pg_dump archives: the restore drill needs PostgreSQL (set DATABASE_URL)",
)


def database_url(name):
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"


def run(*args):
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, cwd=BASE_DIR)


def sha256(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def files(root):
    return {path.relative_to(root).as_posix(): sha256(path) for path in root.rglob("*") if path.is_file()}


@pytest.fixture
def site(transactional_db, django_db_serialized_rollback, settings, tmp_path):
    """The demo site plus more of everything, committed, with its media in a folder of its own."""
    from django.core.management import call_command

    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("load_demo_content", stdout=open("/dev/null", "w"))
    User = get_user_model()
    editor = User.objects.create_user("editor", "editor@example.edu", "long-enough-password-1")
    User.objects.create_superuser("siteadmin", "siteadmin@example.edu", "long-enough-password-2")
    home = Page.objects.get(depth=2).specific
    for number in range(3):
        image = ImageFactory(title=f"Listing {number}")
        page = StandardPageFactory(parent=home, title=f"Restored page {number}", listing_image=image)
        for edit in range(3):  # more revisions: drafts and republished versions
            page.title = f"Restored page {number} (edit {edit})"
            page.save_revision(user=editor).publish()
        page.save_revision(user=editor)  # and a draft on top
        image.get_rendition("fill-200x100")
    Document.objects.create(title="Minutes", file=ContentFile(pdf_bytes(), name="minutes.pdf"))
    # Visitors have seen every page: the renditions pages need exist before the backup.
    client = Client()
    for page in Page.objects.live().filter(depth__gt=1).specific():
        assert client.get(page.get_url()).status_code == 200
    return settings.MEDIA_ROOT


@pytest.fixture
def restored_database():
    name = f"{connection.settings_dict['NAME']}_restored"
    server, _ = backup_script.database(database_url(name))
    server.drop_database(name)
    yield name
    server.drop_database(name)


def counts_in(url):
    import psycopg2

    tables = {
        "pages": Page._meta.db_table,
        "revisions": Revision._meta.db_table,
        "images": Image._meta.db_table,
        "renditions": Rendition._meta.db_table,
        "documents": Document._meta.db_table,
        "users": get_user_model()._meta.db_table,
    }
    with psycopg2.connect(url) as db, db.cursor() as cursor:
        result = {}
        for name, table in tables.items():
            cursor.execute(f'SELECT count(*) FROM "{table}"')  # noqa: S608 (model table names)
            result[name] = cursor.fetchone()[0]
    return result


def test_restore_drill_loses_nothing(site, restored_database, tmp_path):
    source_url = database_url(connection.settings_dict["NAME"])
    restored_url = database_url(restored_database)
    counts = {
        "pages": Page.objects.count(),
        "revisions": Revision.objects.count(),
        "images": Image.objects.count(),
        "renditions": Rendition.objects.count(),
        "documents": Document.objects.count(),
        "users": get_user_model().objects.count(),
    }
    # Something real to lose.
    assert counts["pages"] >= 20 and counts["revisions"] >= counts["pages"] + 9
    assert counts["images"] >= 4 and counts["renditions"] >= 4 and counts["documents"] >= 2 and counts["users"] >= 2
    source_files = files(site)
    assert len(source_files) >= counts["images"] + counts["renditions"] + counts["documents"]

    backed_up = run(
        "backup", "--database-url", source_url, "--media-root", str(site), "--backup-dir", str(tmp_path / "backups")
    )
    assert backed_up.returncode == 0, backed_up.stderr
    (backup,) = (tmp_path / "backups").iterdir()
    manifest = json.loads((backup / "manifest.json").read_text())
    assert manifest["counts"] == counts
    assert {entry["path"]: entry["sha256"] for entry in manifest["media"]} == source_files
    assert (backup / "database.dump").read_bytes().startswith(b"PGDMP")  # pg_dump's custom format

    restored_media = tmp_path / "restored-media"
    restored = run("restore", str(backup), "--database-url", restored_url, "--media-root", str(restored_media))
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert "verify: everything in the backup is there" in restored.stdout

    # Checked here too, not only by the script: the same counts, the same files, byte for byte.
    assert counts_in(restored_url) == counts
    assert files(restored_media) == source_files

    # Pages render from the restored database and media, in a separate process (dev settings):
    # every live page 200, every public document the same bytes, every image in a page present,
    # and no rendition had to be made again (they were restored, rows and files).
    rendered = backup_script.render_pages(restored_url, restored_media)
    assert rendered["failures"] == []
    assert rendered["pages"] == Page.objects.live().public().filter(depth__gt=1).count() >= 20
    assert rendered["pages_ok"] == rendered["pages"]
    assert rendered["documents_ok"] == rendered["documents"] >= 2
    assert rendered["images_ok"] == rendered["images"] >= 3
    assert rendered["new_renditions"] == 0


def test_restore_refuses_to_overwrite_and_detects_damage(site, restored_database, tmp_path):
    source_url = database_url(connection.settings_dict["NAME"])
    restored_url = database_url(restored_database)
    backup_dir = tmp_path / "b"
    backed_up = run("backup", "--database-url", source_url, "--media-root", str(site), "--backup-dir", str(backup_dir))
    assert backed_up.returncode == 0
    (backup,) = (tmp_path / "b").iterdir()

    # Into the live database itself: refused, nothing touched.
    refused = run("restore", str(backup), "--database-url", source_url, "--media-root", str(tmp_path / "empty"))
    assert refused.returncode == 1
    assert "is not empty" in refused.stderr and "--force" in refused.stderr

    # Into a non-empty media folder: refused.
    refused = run("restore", str(backup), "--database-url", restored_url, "--media-root", str(site))
    assert refused.returncode == 1 and "has files" in refused.stderr

    # A damaged dump is refused before anything is restored.
    damaged = tmp_path / "damaged"
    shutil.copytree(backup, damaged)
    with open(damaged / "database.dump", "r+b") as dump:
        dump.seek(200)
        dump.write(b"\x00" * 16)
    refused = run("restore", str(damaged), "--database-url", restored_url, "--media-root", str(tmp_path / "m"))
    assert refused.returncode == 1 and "damaged" in refused.stderr

    # A restore that lost a file is caught by verify.
    restored = run("restore", str(backup), "--database-url", restored_url, "--media-root", str(tmp_path / "m"))
    assert restored.returncode == 0
    next((tmp_path / "m" / "documents").rglob("*.pdf")).unlink()
    checked = run("verify", str(backup), "--database-url", restored_url, "--media-root", str(tmp_path / "m"))
    assert checked.returncode == 1
    assert "does not match the backup" in checked.stderr

    # --force replaces the restored copy and keeps the old media folder aside.
    forced = run("restore", str(backup), "--database-url", restored_url, "--media-root", str(tmp_path / "m"), "--force")
    assert forced.returncode == 0, forced.stdout + forced.stderr
    assert list(tmp_path.glob("m.before-restore-*"))
