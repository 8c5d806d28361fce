"""Make sure a local admin login exists for `make run` (development settings only).

The first time, it creates the superuser `admin` with a random password, prints it
and keeps it in `.admin-password` (git-ignored) so later runs can remind you.
"""

import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

PASSWORD_FILE = Path(settings.BASE_DIR) / ".admin-password"


class Command(BaseCommand):
    help = "Create a local superuser for development (refuses to run unless DEBUG is on)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("ensure_dev_admin only runs with development settings (DEBUG on).")
        User = get_user_model()
        if User.objects.filter(is_superuser=True).exists():
            if PASSWORD_FILE.exists():
                self.stdout.write(f"Admin login: see {PASSWORD_FILE.name} (user 'admin') at /admin/")
            else:
                self.stdout.write("An admin login already exists.")
            return
        password = secrets.token_urlsafe(12)
        User.objects.create_superuser("admin", "admin@localhost", password)
        PASSWORD_FILE.write_text(f"admin\n{password}\n")
        PASSWORD_FILE.chmod(0o600)
        self.stdout.write(
            self.style.SUCCESS(
                f"Created admin login: user 'admin', password '{password}' (saved in {PASSWORD_FILE.name})"
            )
        )
