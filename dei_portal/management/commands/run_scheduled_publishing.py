"""Run Wagtail's `publish_scheduled` every minute, for `make run` or under a supervisor.

Publishes pages and notices whose go-live time has come and unpublishes those past
expiry. Stops cleanly on SIGTERM/SIGINT. In production either run this under systemd
or supervisord, or call `manage.py publish_scheduled` from cron (docs/operations.md).
"""

import signal
import threading

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Publish and expire scheduled content every --interval seconds until stopped."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=int, default=60, help="Seconds between runs (default 60).")
        parser.add_argument("--once", action="store_true", help="Run once and exit.")

    def handle(self, *args, interval, once, **options):
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        while True:
            call_command("publish_scheduled", stdout=self.stdout, stderr=self.stderr)
            if once or stop.wait(max(interval, 1)):
                return
