"""The new-user walk-through of issue 11, in headless chromium, against a running `make run`.

    PORT=8123 make run > /tmp/server.log 2>&1 &      # demo content, emails printed on stdout
    .venv/bin/python scripts/walkthrough.py --base-url http://127.0.0.1:8123 --out /tmp/walkthrough

A new administrator (the `admin` login `make run` creates, password from `.admin-password`) and
two communications officers they invite (an Editor and a Moderator) go through the eight items of
issue 11 as a person would, in Debian's chromium (scripts/chromium.py). Every step checks what a
person should see (text on the page), so the run fails loudly if the product regressed, and saves
a full-page screenshot NN-what-it-shows.png; one line per screenshot is printed. Item 8 (trusted
proxies) cannot be seen in a browser: its evidence (requests with forged X-Forwarded-For headers
straight to the app, and the lockout through trusted proxies in Django's test client) is written
to NN-*.txt files in the same folder.

Emails (the invitation, review notifications, the approval) are read from the server's console,
as a developer running `make run` would: the file the server's stdout goes to (found in /proc
from the process serving --base-url, or given with --server-log).

Setup that is not the point of a step is done in Django directly, in a child process with the
development settings (scripts.harness.django_call), against the same database as the server:
each run resets the `admin` login's two-factor (so its first sign-in, with backup codes, is seen
again) and uses new usernames and titles (a run tag), so the script can run again and again.
Only for `make run`'s database: it changes the admin login's two-factor.

What a new user would find wrong but is not (yet) a failure is printed as a FINDING line and
counted at the end. On a machine where other checkouts also `make run`, give this one its own
PAGE_CACHE_STAMP_FILE (the default, /tmp/dei-portal-cache-generation, is shared by every
`make run` on the machine, so each publish here would empty their page caches too).
"""

import argparse
import base64
import email
import email.policy
import html
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # for `scripts.…`
from scripts.chromium import CHROMIUM, CHROMIUM_ARGS
from scripts.harness import ROOT, django_call, django_env, fetch, wait_for
from scripts.harness.totp import current_code

SETTINGS = "dei_portal.settings.dev"
TIMEOUT = 30_000  # ms: a loaded two-core machine and Django's development server
PASSWORD = "a-long-and-new-passphrase-42"  # noqa: S105 (the walk-through's throwaway users)
SITE_NAME = "Diversity, Equity & Inclusion"
ZONE = "Central Time (America/Chicago)"
WORKFLOW = "Moderators approval"
MAX_HEIGHT = 4000  # px: the tallest screenshot
# How tall the page would be with nothing scrolled inside it: the document, or the admin's
# scrolling panes (its main content, the editor's side panel) plus their offset from the top.
TALLEST_PANE = """() => Math.max(document.documentElement.scrollHeight, ...[...document.querySelectorAll('*')]
    .filter(el => el.scrollHeight > el.clientHeight + 4 && ['auto', 'scroll'].includes(getComputedStyle(el).overflowY))
    .map(el => el.getBoundingClientRect().top + window.scrollY + el.scrollHeight))"""


class WalkthroughFailed(Exception):
    """A step did not find what a person should see: the product (or the walk-through) regressed."""


def check(condition, expected, *seen):
    """Stop the walk-through, saying what was expected and what was seen, unless `condition`
    holds (an `assert` would be skipped under `python -O`)."""
    if not condition:
        detail = f"; seen: {', '.join(map(repr, seen))}" if seen else ""
        raise WalkthroughFailed(f"expected {expected}{detail}")


# --- In Django (child processes: scripts.harness.django_call) ------------------------------------


def prepare(tag):
    """What the walk-through needs that a person would not do first: the admin login's
    two-factor removed (its first sign-in is part of the walk), and the ids of demo objects."""
    from axes.models import AccessAttempt
    from django.contrib.auth import get_user_model
    from django.utils import timezone
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice
    from wagtail.images.models import Image
    from wagtail.models import Page, ReferenceIndex

    admin = get_user_model().objects.get(username="admin")
    TOTPDevice.objects.filter(user=admin).delete()
    StaticDevice.objects.filter(user=admin).delete()
    AccessAttempt.objects.filter(username="admin").delete()
    image = next(i for i in Image.objects.order_by("pk") if ReferenceIndex.get_grouped_references_to(i).count())
    unschedule(["accessibility/", "contact/"])
    # What earlier runs made: their users (deleted here only; the admin never deletes users) and
    # announcements, so lists stay short.
    from announcements.models import AnnouncementPage

    for old in AnnouncementPage.objects.filter(title__regex=r"^Pronoun pins at the welcome desk \([0-9a-f]+\)$"):
        old.delete()
    get_user_model().objects.filter(
        username__regex=r"^(nia|mo)-[0-9a-f]{4,6}$", email__endswith="@example.edu"
    ).delete()

    def page(path):
        return Page.objects.get(url_path=f"/home/{path}")

    return {
        "admin_pk": admin.pk,
        "image_pk": image.pk,
        "image_title": image.title,
        "home_pk": page("").pk,
        "home_title": page("").title,
        "accessibility_pk": page("accessibility/").pk,
        "contact_pk": page("contact/").pk,
        "faculty_affairs_pk": page("offices/faculty-affairs/").pk,
        "faculty_affairs_title": page("offices/faculty-affairs/").title,
        "faculty_affairs_url": page("offices/faculty-affairs/").specific.url,
        "faculty_affairs_audience": page("offices/faculty-affairs/").specific.audience.name,
        "offices_pk": page("offices/").pk,
        "accessibility_title": page("accessibility/").title,
        "today": timezone.localdate().isoformat(),
        "announcements_pk": page("announcements/").pk,
    }


def unschedule(paths):
    """Take away a schedule an earlier run left on the pages this one schedules (or only types
    a time into), so the walk starts from "No publishing schedule set"."""
    from wagtail.models import Page

    for path in paths:
        scheduled = Page.objects.get(url_path=f"/home/{path}")
        for revision in scheduled.revisions.all():
            if revision.approved_go_live_at or revision.content.get("go_live_at"):
                revision.approved_go_live_at = None
                revision.content["go_live_at"] = None
                revision.save(update_fields=["approved_go_live_at", "content"])
        if scheduled.live and scheduled.go_live_at:
            Page.objects.filter(pk=scheduled.pk).update(go_live_at=None)
    return True


def image_description(pk):
    from wagtail.images.models import Image

    return Image.objects.get(pk=pk).description


def schedule_of(pk):
    """The page's go-live and expiry as stored (page and latest revision), and whether any
    revision is scheduled."""
    from wagtail.models import Page

    page = Page.objects.get(pk=pk)
    latest = page.get_latest_revision_as_object()
    return [
        page.go_live_at and page.go_live_at.isoformat(),
        latest.go_live_at and latest.go_live_at.isoformat(),
        page.revisions.filter(approved_go_live_at__isnull=False).exists(),
    ]


def search_timings(queries, repeat):
    """Milliseconds per whole search request (Django's test client, the page cache off, so each
    request runs the search: the vocabulary of typo corrections stays cached per content
    generation, as designed), per query: the first request, then the median, 90th percentile
    and maximum wall-clock time of `repeat` more, and their median CPU time (time.process_time,
    steadier than the wall clock on a shared, loaded machine)."""
    from django.test import Client, override_settings

    client = Client(HTTP_HOST="127.0.0.1")
    result = {}
    with override_settings(PAGE_CACHE=False):
        for query in queries:

            def one(query=query):
                started, cpu = time.perf_counter(), time.process_time()
                response = client.get("/search/", {"query": query})
                check(
                    response.status_code == 200 and "X-Cache" not in response,
                    f"search for {query!r}: HTTP 200, not from the page cache",
                    response.status_code,
                )
                return (time.perf_counter() - started) * 1000, (time.process_time() - cpu) * 1000

            first = one()[0]
            runs = [one() for _ in range(repeat)]
            wall = sorted(run[0] for run in runs)
            result[query] = {
                "cold": first,
                "median": statistics.median(wall),
                "p90": wall[int(len(wall) * 0.9) - 1],
                "max": wall[-1],
                "cpu": statistics.median(run[1] for run in runs),
            }
    return result


def axes_attempts(username):
    """What django-axes recorded for `username`: one line per (address) with its failure count."""
    from axes.models import AccessAttempt

    return [
        {"ip_address": attempt.ip_address, "failures": attempt.failures_since_start}
        for attempt in AccessAttempt.objects.filter(username=username).order_by("ip_address")
    ]


def forget_attempts(username):
    from axes.models import AccessAttempt, AccessFailureLog

    AccessAttempt.objects.filter(username=username).delete()
    AccessFailureLog.objects.filter(username=username).delete()
    return True


def proxy_evidence(tag):
    """Who the login lockout counts when TRUSTED_PROXIES names the load balancer and Varnish
    (10.0.0.2 is Varnish, 10.0.1.0/24 the load balancers), and a lockout through them."""
    from django.test import Client, RequestFactory, override_settings

    from dei_portal.operations.client_ip import client_ip

    proxies = ["10.0.0.2", "10.0.1.0/24"]
    lines = [f"TRUSTED_PROXIES={','.join(proxies)} (Varnish 10.0.0.2; load balancers 10.0.1.0/24)", ""]
    cases = [
        ("a client straight to the app, forging the header", "198.51.100.20", "203.0.113.99"),
        ("the same client, another forged value", "198.51.100.20", "192.0.2.1, 10.0.1.7"),
        ("visitor A through Varnish only", "10.0.0.2", "203.0.113.5"),
        ("visitor A through load balancer → Varnish", "10.0.0.2", "203.0.113.5, 10.0.1.7"),
        ("visitor B through load balancer → Varnish", "10.0.0.2", "203.0.113.6, 10.0.1.7"),
        ("visitor A forging a left-most entry through the chain", "10.0.0.2", "6.6.6.6, 203.0.113.5, 10.0.1.7"),
    ]
    factory = RequestFactory()
    with override_settings(TRUSTED_PROXIES=proxies):
        lines.append(f"{'request':<56} {'REMOTE_ADDR':<15} {'X-Forwarded-For':<32} counted as")
        for label, remote, forwarded in cases:
            request = factory.get("/admin/login/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
            lines.append(f"{label:<56} {remote:<15} {forwarded:<32} {client_ip(request)}")

        username = f"walk-proxied-{tag}"
        forget_attempts(username)

        def attempt(visitor, password="wrong-password-0"):  # noqa: S107 (a deliberately wrong password)
            client = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=f"{visitor}, 10.0.1.7", HTTP_HOST="127.0.0.1")
            return client.post("/admin/login/", {"username": username, "password": password}).status_code

        lines += ["", f"Lockout through the chain (username {username!r}, 5 failures allowed):"]
        statuses = [attempt("203.0.113.5") for _ in range(5)]
        lines.append(f"visitor A (203.0.113.5), 5 wrong passwords: HTTP {statuses} (the 5th failure locks: 429)")
        sixth = attempt("203.0.113.5")
        lines.append(f"visitor A, a 6th try: HTTP {sixth} (429 = locked out)")
        other = attempt("203.0.113.6")
        lines.append(
            f"visitor B (203.0.113.6), same username, same proxies: HTTP {other} (200 = the sign-in form again, not "
            "locked out)"
        )
        lines.append(f"axes records: {axes_attempts(username)}")
        check(
            statuses == [200] * 4 + [429] and sixth == 429 and other == 200,
            "through the proxies: visitor A locked out at the 5th failure (429), visitor B not",
            statuses,
            sixth,
            other,
        )
        forget_attempts(username)
    expected = {"198.51.100.20": 2, "203.0.113.5": 3, "203.0.113.6": 1}
    counted = {}
    for _label, remote, forwarded in cases:
        with override_settings(TRUSTED_PROXIES=proxies):
            address = client_ip(factory.get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded))
        counted[address] = counted.get(address, 0) + 1
    check(counted == expected, f"the requests counted as coming from {expected}", counted)
    return "\n".join(lines) + "\n"


def user_pk(username):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=username).pk


# --- Around the browser ------------------------------------------------------------------------


def server_stdout(base_url):
    """The file the process serving `base_url` writes its stdout to (where `make run`'s emails
    are printed), found in /proc: a runserver whose command line names the address."""
    address = re.sub(r"^https?://", "", base_url).rstrip("/")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().split(b"\0")
            target = Path(f"/proc/{entry.name}/fd/1").resolve()
        except OSError:
            continue
        words = [word.decode(errors="replace") for word in command]
        if "runserver" in words and address in words and target.is_file():
            return target
    return None


class Mailbox:
    """The emails Django's console backend printed to the server's stdout since `mark()`."""

    SEPARATOR = "-" * 79

    def __init__(self, path):
        self.path = Path(path)
        self.offset = 0

    def mark(self):
        self.offset = self.path.stat().st_size

    def messages(self):
        text = self.path.read_bytes()[self.offset :].decode("utf-8", errors="replace")
        found = []
        for chunk in text.split(self.SEPARATOR):
            start = chunk.find("Content-Type:")
            if start < 0 or "\nTo: " not in chunk:
                continue
            found.append(email.message_from_string(chunk[start:].lstrip(), policy=email.policy.default))
        return found

    def email_to(self, to, subject_part="", timeout=60):
        """The first email printed to `to` (with `subject_part` in its subject), waiting for it."""

        def match():
            return next((m for m in self.messages() if to in str(m["To"]) and subject_part in str(m["Subject"])), None)

        message = wait_for(match, timeout, interval=0.5)
        if message is None:
            subjects = [(str(m["To"]), str(m["Subject"])) for m in self.messages()]
            raise AssertionError(f"no email to {to} with {subject_part!r} in its subject; printed since: {subjects}")
        return message


def plain_body(message):
    return message.get_body(preferencelist=("plain",)).get_content()


def links(text):
    return re.findall(r"https?://[^\s<>\"']+", text)


class Walk:
    def __init__(self, browser, base_url, out):
        self.browser = browser
        self.base = base_url.rstrip("/")
        self.out = Path(out)
        self.shots = []
        self.contexts = []
        self.findings = []

    def finding(self, text):
        """Something a new user would find wrong that is not (yet) a failure of the run."""
        self.findings.append(text)
        print(f"FINDING: {text}", flush=True)

    def context(self, width=1280, height=900):
        context = self.browser.new_context(viewport={"width": width, "height": height})
        context.set_default_timeout(TIMEOUT)
        # Wagtail compares the edit form with a copy taken ~2 s after load to notice edits;
        # steps wait for that copy, as a person (slower than 2 s) always does.
        context.add_init_script(
            "document.addEventListener('w-unsaved:watch-edits', () => {"
            " document.documentElement.dataset.editsWatched = 'true'; });"
        )
        self.contexts.append(context)
        return context

    def page(self, **kwargs):
        return self.context(**kwargs).new_page()

    def url(self, path):
        return self.base + path

    def shot(self, page, name, what, full_page=True):
        """A screenshot of the whole page. The Wagtail admin scrolls inside its own panes, which a
        browser's full-page screenshot does not see, so the window is made as tall as the
        tallest pane for the picture (up to MAX_HEIGHT), then put back."""
        path = self.out / f"{name}.png"
        size = page.viewport_size
        height = page.evaluate(TALLEST_PANE) if full_page else 0
        if full_page and height > size["height"] + 4:
            page.set_viewport_size({"width": size["width"], "height": min(height, MAX_HEIGHT)})
            page.wait_for_timeout(400)  # let the layout settle
            page.screenshot(path=str(path), full_page=True)
            page.set_viewport_size(size)
        else:
            page.screenshot(path=str(path), full_page=full_page)
        self.shots.append((path.name, what))
        print(f"{path.name} — {what}", flush=True)

    def note(self, name, what, text):
        path = self.out / f"{name}.txt"
        path.write_text(text)
        self.shots.append((path.name, what))
        print(f"{path.name} — {what}", flush=True)

    def show_email(self, message, name, what, highlight=()):
        """An email as the console printed it, on a page of its own, links marked."""
        body = html.escape(plain_body(message))
        for link in sorted(set(links(plain_body(message))), key=len, reverse=True):
            escaped = html.escape(link)
            body = body.replace(escaped, f"<mark>{escaped}</mark>")
        for words in highlight:
            body = body.replace(html.escape(words), f"<strong><u>{html.escape(words)}</u></strong>")
        head = "".join(
            f"<div><b>{field}:</b> {html.escape(str(message[field]))}</div>" for field in ("From", "To", "Subject")
        )
        page = self.page(width=1000, height=700)
        page.set_content(
            "<!doctype html><meta charset=utf-8><title>Email</title>"
            "<body style='font:15px/1.45 sans-serif;margin:24px;max-width:950px'>"
            "<p style='color:#555'>Printed on the <code>make run</code> console (development email backend)</p>"
            f"<div style='border:1px solid #ccc;padding:12px;border-radius:6px'>{head}<hr>"
            f"<pre style='white-space:pre-wrap;font:14px/1.45 monospace'>{body}</pre></div>"
        )
        self.shot(page, name, what)
        page.context.close()
        self.contexts.remove(page.context)

    def close(self):
        for context in self.contexts:
            context.close()


def forged_header_evidence(walk, env, tag):
    """Failed sign-ins straight to the app (make run: TRUSTED_PROXIES empty), each with a
    different forged X-Forwarded-For, and what django-axes counted."""
    from scripts.harness import Browser, csrf_token

    username = f"walk-forged-{tag}"
    django_call(env, "scripts.walkthrough:forget_attempts", username)
    lines = [f"make run at {walk.base} (TRUSTED_PROXIES empty: nobody's X-Forwarded-For is believed)", ""]

    def attempt(forged, source=None):
        client = Browser(walk.base, source=source)
        form = client.get("/admin/login/")
        response = client.post(
            "/admin/login/",
            {"csrfmiddlewaretoken": csrf_token(form), "username": username, "password": "wrong-password-0"},
            headers={"X-Forwarded-For": forged, "Referer": walk.url("/admin/login/")},
        )
        return response.status

    first = attempt("203.0.113.7")
    second = attempt("198.51.100.9")
    recorded = django_call(env, "scripts.walkthrough:axes_attempts", username)
    lines.append(
        f"POST /admin/login/ (wrong password for {username!r}) with X-Forwarded-For: 203.0.113.7  -> HTTP {first}"
    )
    lines.append(
        f"POST /admin/login/ (wrong password for {username!r}) with X-Forwarded-For: 198.51.100.9 -> HTTP {second}"
    )
    lines.append(f"django-axes recorded: {recorded}")
    lines.append("  -> both counted as the same REMOTE_ADDR (127.0.0.1), not as two visitors with the forged addresses")
    check(
        recorded == [{"ip_address": "127.0.0.1", "failures": 2}],
        "both forged sign-ins counted against the connecting address, 127.0.0.1",
        recorded,
    )
    more = [attempt(f"192.0.2.{n}") for n in range(3)]
    locked = attempt("192.0.2.200")
    lines.append("")
    lines.append(
        f"three more wrong passwords, each with a new forged address: HTTP {more} (the 5th failure locks: 429)"
    )
    lines.append(
        f"a 6th try, forging yet another address (192.0.2.200): HTTP {locked} (429 = locked out; forging does not "
        "escape it)"
    )
    other = attempt("203.0.113.7", source="127.0.0.2")
    lines.append(
        f"the same username from a real second address (connecting from 127.0.0.2): HTTP {other} (200 = the form "
        "again, not locked out)"
    )
    recorded = django_call(env, "scripts.walkthrough:axes_attempts", username)
    lines.append(f"django-axes recorded: {recorded}")
    check(
        (first, second, more, locked, other) == (200, 200, [200, 200, 429], 429, 200),
        "forged addresses locked out together at the 5th failure, a real second address not",
        first,
        second,
        more,
        locked,
        other,
    )
    django_call(env, "scripts.walkthrough:forget_attempts", username)
    return "\n".join(lines) + "\n"


def production_refusal():
    """`manage.py check` with the production settings and every required variable but
    WAGTAILADMIN_BASE_URL: the message it refuses with."""
    import os
    import subprocess

    env = {name: value for name, value in os.environ.items() if name != "WAGTAILADMIN_BASE_URL"}
    env.update(
        DJANGO_SETTINGS_MODULE="dei_portal.settings.production",
        SECRET_KEY="walkthrough-" + "x" * 50,
        ALLOWED_HOSTS="dei.example.edu",
        DATABASE_URL="postgres://dei:secret@127.0.0.1:5432/dei_portal",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    last = (result.stderr.strip().splitlines() or [""])[-1]
    check(
        result.returncode != 0 and "WAGTAILADMIN_BASE_URL" in last,
        "production `manage.py check` to fail, naming WAGTAILADMIN_BASE_URL",
        result.returncode,
        last,
    )
    return (
        "$ DJANGO_SETTINGS_MODULE=dei_portal.settings.production SECRET_KEY=… ALLOWED_HOSTS=dei.example.edu "
        "DATABASE_URL=postgres://… manage.py check   # WAGTAILADMIN_BASE_URL unset\n"
        f"exit status {result.returncode}\n{last}\n"
    )


def required(label):
    """An accessible name as Wagtail renders it: the label, then " *" when the field is required."""
    return re.compile(rf"^\s*{re.escape(label)}\s*\*?\s*$", re.IGNORECASE)


def sign_in(page, walk, username, password, lands_on):
    page.goto(walk.url("/admin/login/"))
    page.get_by_role("textbox", name=required("Username")).fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(re.escape(walk.url(lands_on))))


def set_up_authenticator(page, walk):
    """On /admin-2fa/setup/: read the key printed under the QR code, as someone typing it into an
    app would, and enter the app's code. Returns the hex key (for later codes)."""
    from playwright.sync_api import expect

    expect(page.get_by_role("heading", level=1)).to_have_text("Set up two-factor authentication")
    secret = page.locator("#two-factor-secret").inner_text().replace(" ", "").strip()
    key = base64.b32decode(secret + "=" * (-len(secret) % 8)).hex()
    page.get_by_label("6-digit code").fill(current_code(key))
    page.get_by_role("button", name="Confirm and continue").click()
    page.wait_for_url(re.compile(re.escape(walk.url("/admin-2fa/backup-codes/"))))
    return key


def verify(page, walk, code):
    page.get_by_label("6-digit code").fill(code)
    page.get_by_role("button", name="Verify and continue").click()
    page.wait_for_url(walk.url("/admin/"))


def open_status(page):
    """The page editor's Status side panel, opened if it is not (Wagtail reopens the last panel)."""
    page.wait_for_timeout(500)  # the editor restores its side panel just after load
    status = page.locator("[data-side-panel='status']")
    if not status.is_visible():
        page.get_by_role("button", name="Status").click()
    from playwright.sync_api import expect

    expect(status).to_be_visible()
    return status


def messages(page):
    return page.locator(".messages")


# --- The walk ------------------------------------------------------------------------------------


def walk_through(walk, ids, mailbox, tag, env):
    from playwright.sync_api import expect

    admin_password = (ROOT / ".admin-password").read_text().split()[1]
    editor, moderator = f"nia-{tag}", f"mo-{tag}"
    editor_email, moderator_email = f"{editor}@example.edu", f"{moderator}@example.edu"

    # ---- The new administrator's first sign-in (items 2 and 4) ----
    admin = walk.page()
    admin.goto(walk.url("/admin/login/"))
    expect(admin.get_by_role("heading", level=1)).to_have_text(f"Sign in to the {SITE_NAME} admin")
    expect(admin).to_have_title(re.compile(re.escape(f"{SITE_NAME} admin")))
    expect(admin.locator("body")).not_to_contain_text("Wagtail")
    walk.shot(
        admin, "02-sign-in-names-the-site", f"the sign-in page says “Sign in to the {SITE_NAME} admin”, no Wagtail name"
    )
    sign_in(admin, walk, "admin", admin_password, "/admin-2fa/setup/")
    expect(admin.locator("main")).to_contain_text("Can’t scan it?")
    walk.shot(
        admin,
        "04-two-factor-setup",
        "first sign-in of an administrator: a QR code, the same key as text, one code to confirm",
    )
    admin_key = set_up_authenticator(admin, walk)
    codes = admin.locator("#two-factor-backup-codes li")
    expect(codes).to_have_count(10)
    expect(admin.locator("main")).to_contain_text("This is the only time they are shown")
    walk.shot(
        admin,
        "04-backup-codes-shown-once",
        "right after confirming the app: 10 backup codes, “the only time they are shown”",
    )
    admin.reload()
    expect(admin.locator("main")).to_contain_text("yours have been shown already")
    expect(codes).to_have_count(0)
    walk.shot(
        admin,
        "04-backup-codes-not-shown-again",
        "reloading the page shows no codes: “Backup codes are shown only once, and yours have been shown already”",
    )
    admin.get_by_role("link", name="Continue").click()
    admin.wait_for_url(walk.url("/admin/"))

    expect(admin).to_have_title(f"Dashboard - {SITE_NAME} admin")
    guide_panel = admin.get_by_role("region", name="Roles and the editor guide")
    expect(guide_panel).to_contain_text("without a second person")
    expect(guide_panel.get_by_role("link", name="Read the editor guide")).to_be_visible()
    expect(admin.locator("#wagtail-sidebar").get_by_role("link", name="Editor guide")).to_be_attached()
    gap = guide_panel.locator("dt").first.bounding_box()["x"] - guide_panel.bounding_box()["x"]
    if gap < 8:
        walk.finding(
            "02-dashboard-editor-guide-link.png: in the dashboard's “Roles and the editor guide” panel the role names "
            f"and sentences start {gap:.0f} px from the panel's left border (flush against it), while its heading and "
            "the other dashboard panels (“Awaiting your review”) are indented. Expected the panel's usual inner "
            "padding."
        )
    walk.shot(
        admin,
        "02-dashboard-editor-guide-link",
        "the dashboard's “Roles and the editor guide” panel: one line per role (Publisher: “without a second "
        "person”), a link to the guide; “Editor guide” in the menu",
    )
    guide_panel.get_by_role("link", name="Read the editor guide").click()
    admin.wait_for_url(re.compile(re.escape(walk.url("/admin/guide/"))))
    table = admin.locator("main table").first
    for heading in ("Area", "Role", "Create", "Edit", "Publish", "Delete"):
        expect(table.get_by_role("columnheader", name=heading)).to_be_visible()
    expect(table).to_contain_text("own unpublished")
    cell_style = table.locator("td").first.evaluate(
        "td => { const s = getComputedStyle(td); return [s.paddingLeft, s.paddingRight, s.borderBottomStyle, "
        "s.borderBottomWidth]; }"
    )
    padding = max(float(cell_style[0].removesuffix("px")), float(cell_style[1].removesuffix("px")))
    if padding <= 2 and (cell_style[2] == "none" or cell_style[3] == "0px"):
        walk.finding(
            f"03-editor-guide-role-table.png: the editor guide's role table in the admin has {padding:g} px of cell "
            "padding and no rules between rows, so neighbouring cells run together (“Site administratorsno”, “submit "
            "for reviewown unpublished”) and 24 rows of yes/no are hard to follow. Expected the admin's table styling "
            "(padding, row lines)."
        )
    walk.shot(
        admin,
        "03-editor-guide-role-table",
        "the editor guide inside the admin: the role table (create / edit / publish / delete per role and area)",
    )

    # ---- Inviting an Editor; creating a Moderator (items 1 and 2) ----
    admin.goto(walk.url("/admin/users/"))
    admin.get_by_role("link", name=re.compile(r"^Add (a )?user")).first.click()
    admin.wait_for_url(walk.url("/admin/users/new/"))
    admin.get_by_role("textbox", name=required("Username")).fill(editor)
    admin.get_by_role("textbox", name=required("Email")).fill(editor_email)
    admin.get_by_role("textbox", name=required("First name")).fill("Nia")
    admin.get_by_role("textbox", name=required("Last name")).fill("Okafor")
    expect(admin.locator("main")).to_contain_text("Leave both password fields empty to send an invitation")
    walk.shot(
        admin,
        "01-new-user-blank-password-invites",
        "the new-user form: “Leave both password fields empty to send an invitation”",
    )
    admin.locator("#tab-label-roles").click()
    roles = admin.get_by_role("tabpanel", name="Roles")
    for text in (
        "Editors — Writes and changes drafts of pages and notices and submits them for review; never publishes.",
        "Moderators — Reviews what Editors submit",
        "Publishers — Writes and publishes directly, without a second person",
        "Site administrators — Manages user accounts",
        "Combine roles",
        "Superuser: every permission, bypasses roles",
        "Not the same as the “Site administrators” role",
    ):
        expect(roles).to_contain_text(text)
    roles.get_by_role("checkbox", name=re.compile(r"^Editors —")).check()
    walk.shot(
        admin,
        "02-role-descriptions-on-user-form",
        "the Roles tab: each role with its one-sentence description, Publisher “without a second person”, the "
        "superuser switch labelled as not the same as Site administrators",
    )
    mailbox.mark()
    admin.get_by_role("button", name="Create", exact=True).click()
    admin.wait_for_url(walk.url("/admin/users/"))
    expect(messages(admin)).to_contain_text(editor)
    invitation = mailbox.email_to(editor_email)

    admin.goto(walk.url("/admin/users/new/"))
    admin.get_by_role("textbox", name=required("Username")).fill(moderator)
    admin.get_by_role("textbox", name=required("Email")).fill(moderator_email)
    admin.get_by_role("textbox", name=required("First name")).fill("Mo")
    admin.get_by_role("textbox", name=required("Last name")).fill("Reyes")
    admin.locator("#id_password1").fill(PASSWORD)
    admin.locator("#id_password2").fill(PASSWORD)
    admin.locator("#tab-label-roles").click()
    admin.get_by_role("checkbox", name=re.compile(r"^Moderators —")).check()
    admin.get_by_role("button", name="Create", exact=True).click()
    admin.wait_for_url(walk.url("/admin/users/"))

    for username, role in ((editor, "Editor"), (moderator, "Moderator"), ("admin", "Superuser (every permission)")):
        row = admin.get_by_role("row").filter(has=admin.get_by_role("cell", name=username, exact=True))
        expect(row).to_contain_text(role)
    expect(admin.get_by_role("columnheader", name="Role")).to_be_visible()
    walk.shot(
        admin,
        "02-users-list-role-column",
        "Settings → Users: a Role column (“Editor”, “Moderator”, “Superuser (every permission)”) where Wagtail said "
        "“Admin”",
    )

    # ---- The invitation, followed in the browser (item 1) ----
    body = plain_body(invitation)
    found = links(body)
    set_password = next(link for link in found if "/admin/password_reset/confirm/" in link)
    sign_in_link = next(link for link in found if link.rstrip("/").endswith("/admin/login"))
    check(
        set_password.startswith(walk.base + "/"),
        f"the invitation's set-password link to start {walk.base}",
        set_password,
    )
    check(sign_in_link.rstrip("/") == walk.url("/admin/login"), "the invitation's sign-in link", sign_in_link)
    walk.show_email(
        invitation,
        "01-invitation-email-link-port-8123",
        f"the invitation email: both links start {walk.base} (the port make run serves on)",
    )

    nia = walk.page()
    nia.goto(set_password)
    expect(nia.get_by_role("heading", level=1)).to_have_text("Choose your password")
    nia.get_by_label(required("New password")).fill(PASSWORD)
    nia.get_by_label(required("New password confirmation")).fill(PASSWORD)
    walk.shot(nia, "01-set-password", "the invitation link opens “Choose your password” (in the office's words)")
    nia.get_by_role("button", name="Save password").click()
    expect(nia.get_by_role("heading", level=1)).to_have_text("Your password is set")
    walk.shot(nia, "01-password-set", "“Your password is set”")
    nia.goto(sign_in_link)
    nia.get_by_role("textbox", name=required("Username")).fill(editor)
    nia.get_by_label("Password").fill(PASSWORD)
    nia.get_by_role("button", name="Sign in").click()
    nia.wait_for_url(walk.url("/admin/"))
    expect(nia.get_by_role("heading", level=1)).to_contain_text(SITE_NAME)
    walk.shot(
        nia,
        "01-editor-signed-in",
        "the invited Editor signs in with the email's sign-in link and sees the dashboard (no second factor for "
        "Editors)",
    )
    other = walk.page()
    other.goto(set_password)
    expect(other.get_by_role("heading", level=1)).to_have_text("This link no longer works")
    walk.shot(other, "01-invitation-link-used-once", "the invitation link opened again: “This link no longer works”")

    # ---- A password reset: its link too (item 1) ----
    forgot = walk.page()
    forgot.goto(walk.url("/admin/login/"))
    forgot.get_by_role("link", name=re.compile("Forgotten password", re.IGNORECASE)).click()
    forgot.get_by_role("textbox", name=re.compile("email address", re.IGNORECASE)).fill(editor_email)
    mailbox.mark()
    forgot.get_by_role("button", name="Reset password").click()
    forgot.wait_for_load_state()
    reset = mailbox.email_to(editor_email)
    reset_link = next(link for link in links(plain_body(reset)) if "/password_reset/confirm/" in link)
    check(reset_link.startswith(walk.base + "/"), f"the password reset link to start {walk.base}", reset_link)
    forgot.goto(reset_link)
    expect(forgot.get_by_label(required("New password"))).to_be_visible()
    walk.show_email(
        reset,
        "01-password-reset-email-link-port-8123",
        f"the “Forgotten password?” email: its link starts {walk.base} and opens the new-password form",
    )

    # ---- The Editor at work (items 3 and 6) ----
    nia.goto(walk.url("/admin/images/"))
    nia.get_by_role("link", name=ids["image_title"]).first.click()
    nia.wait_for_url(re.compile(re.escape(walk.url(f"/admin/images/{ids['image_pk']}/"))))
    nia.get_by_role("navigation", name="Actions", exact=True).get_by_role("button", name="Actions").click()
    nia.get_by_role("link", name="Delete").click()
    nia.wait_for_url(walk.url(f"/admin/images/{ids['image_pk']}/delete/"))
    expect(nia.locator("main")).to_contain_text(
        f"“{ids['image_title']}” is used on the site (1 use), so only a Moderator or Publisher can delete it"
    )
    expect(nia.get_by_role("heading", name="Where it is used")).to_be_visible()
    expect(nia.get_by_role("button", name=re.compile("Yes, delete", re.IGNORECASE))).to_have_count(0)
    walk.shot(
        nia,
        "03-editor-cannot-delete-image-in-use",
        "an Editor opening Delete on an image a live page uses: why not (“only a Moderator or Publisher can delete "
        "it”), where it is used, no “Yes, delete”",
    )

    # Changing that image's description (it would show on the live page at once, unreviewed).
    nia.goto(walk.url(f"/admin/images/{ids['image_pk']}/"))
    expect(nia.locator("html[data-edits-watched]")).to_be_attached()
    nia.get_by_role("textbox", name=required("Description")).fill("Changed by an Editor, unreviewed")
    nia.locator("footer").get_by_role("button", name="Save").click()
    nia.wait_for_load_state()
    description = django_call(env, "scripts.walkthrough:image_description", ids["image_pk"])
    check(
        description != "Changed by an Editor, unreviewed",
        "an Editor's change to a used image's description not saved",
        description,
    )
    explained = nia.get_by_text("so only a Moderator or Publisher can change it").count() > 0
    walk.shot(
        nia,
        "03-editor-cannot-change-image-in-use",
        "an Editor saving a new description for an image a live page uses: not saved"
        + (
            ""
            if explained
            else f" (lands on {nia.url.removeprefix(walk.base)}: “{messages(nia).inner_text().strip()}”)"
        ),
    )
    if not explained:
        walk.finding(
            "03-editor-cannot-change-image-in-use.png: an Editor who edits an in-use image's description (or title, "
            "or file) and presses Save is sent to the dashboard with only “Sorry, you do not have permission to "
            "access this area.”; the edit is lost and nothing says why. The edit page offered the form and a Save "
            "button. Expected: the form again with the reason the delete page gives (“… is used on the site (1 use), "
            "so only a Moderator or Publisher can change it …”), or a read-only form saying so before typing."
        )

    nia.goto(walk.url(f"/admin/pages/{ids['offices_pk']}/"))
    row = nia.get_by_role("row").filter(has=nia.get_by_role("link", name=ids["faculty_affairs_title"], exact=True))
    row.get_by_role("button", name=re.compile("^More options for")).click()
    menu = row.get_by_role("tooltip")
    expect(menu.get_by_role("link", name="Edit")).to_be_visible()
    expect(menu.get_by_role("link", name="Delete")).to_have_count(0)
    walk.shot(
        nia,
        "03-editor-no-delete-for-others-pages",
        f"an Editor's “⋯” menu on a live page someone else owns (“{ids['faculty_affairs_title']}”): Edit, View live, "
        "Copy, History; no Delete",
    )

    nia.goto(walk.url("/admin/snippets/"))
    nia.get_by_role("link", name=re.compile("^Audiences")).click()
    nia.wait_for_url(walk.url("/admin/snippets/offices/audience/"))
    expect(nia.locator("main")).to_contain_text("Only Moderators and Publishers can add, rename or delete audiences")
    expect(nia.get_by_role("link", name=re.compile("^Add audience", re.IGNORECASE))).to_have_count(0)
    expect(nia.locator("main table").get_by_role("link", name="MD students and faculty")).to_have_count(0)
    walk.shot(
        nia,
        "03-taxonomy-read-only-for-editor",
        "Snippets → Audiences for an Editor: a read-only list that says only Moderators and Publishers change "
        "audiences (they show on the public site at once); no Add, no edit links",
    )

    # The public site as the Editor sees it, signed in (item 6).
    nia.goto(walk.url("/offices/"))
    main = nia.get_by_role("main")
    expect(main.get_by_role("heading", name="For the whole School of Medicine community")).to_be_visible()
    expect(main.get_by_role("heading", name="For students and faculty of the MD program")).to_be_visible()
    expect(main).not_to_contain_text("school of medicine community")
    walk.shot(
        nia,
        "06-audience-names-as-written",
        "the public offices page: audience headings as editors wrote them (“For the whole School of Medicine "
        "community”, “… the MD program”), not lower-cased",
    )
    nia.goto(walk.url(f"{ids['faculty_affairs_url']}"))
    expect(nia.get_by_role("main")).to_contain_text(f"Audience: {ids['faculty_affairs_audience']}")
    nia.goto(walk.url("/"))
    nia.wait_for_function(
        "() => { const root = document.querySelector('wagtail-userbar')?.shadowRoot;"
        " const el = root && root.querySelector('[data-content-checker-count]');"
        " return el && el.textContent.trim() !== ''; }"
    )
    count = nia.locator("wagtail-userbar [data-content-checker-count]").first.text_content().strip()
    issues = nia.locator("wagtail-userbar [data-content-checker-name]").all_text_contents()
    check(count == "0", "no issues in the userbar's content checks", count, issues)
    nia.locator("wagtail-userbar").get_by_role("button", name="View quick actions").click()
    checks = nia.locator("wagtail-userbar").get_by_role("menuitem", name=re.compile("Checks", re.IGNORECASE)).first
    expect(checks).to_be_visible()
    checks.click()
    expect(nia.locator("wagtail-userbar #subtitle-checker-results")).to_have_text(
        re.compile(r"^\s*Issues found\s*0\s*$")
    )
    nia.wait_for_timeout(1000)  # the panel slides in
    walk.shot(
        nia,
        "06-userbar-checker-nothing-on-site-chrome",
        "the home page for a signed-in Editor, the userbar's Checks panel open: “Issues found 0” (the skip link and "
        "the site's own chrome give the checker nothing)",
        full_page=False,
    )

    # A notice: why there is no Publish button, character counts, "Link URL" (item 6).
    nia.goto(walk.url("/admin/snippets/announcements/sitenotice/add/"))
    expect(nia.locator("html[data-edits-watched]")).to_be_attached()
    help_text = (
        "Notices go live only after a Moderator or Publisher approves them, which is why there is no Publish button "
        "for you."
    )
    expect(nia.locator("main")).to_contain_text(help_text)
    expect(nia.locator("main")).to_contain_text(f"choose “Submit to {WORKFLOW}” from the menu beside “Save draft”")
    footer = nia.locator("footer")
    expect(footer.get_by_role("button", name="Save draft")).to_be_visible()
    expect(footer.get_by_role("button", name="Publish", exact=True)).to_have_count(0)
    expect(nia.get_by_role("textbox", name="Link URL")).to_be_visible()
    walk.shot(
        nia,
        "06-notice-form-why-no-publish",
        "a new site-wide notice as an Editor: “…which is why there is no Publish button for you. Save a draft, then "
        "choose “Submit to Moderators approval” …”; the field is labelled “Link URL”",
    )
    nia.locator("#id_heading").fill("Campus closed")
    nia.locator("#id_text").fill("Campus is closed today.")
    expect(nia.locator("#id_text-character-count")).to_have_text("23 of 250 characters")
    expect(nia.locator("#id_heading-character-count")).to_have_text("13 of 80 characters")
    walk.shot(
        nia,
        "06-character-counter",
        "typing in the notice's limited fields: “13 of 80 characters”, “23 of 250 characters” under them",
    )

    # A file whose contents do not match its name (item 6): one message, documents and images.
    nia.goto(walk.url("/admin/documents/multiple/add/"))
    nia.locator("input[type=file]").first.set_input_files(
        files=[
            {
                "name": "poster.pdf",
                "mimeType": "application/pdf",
                "buffer": b"<!doctype html><html><body>Not a PDF</body></html>",
            }
        ]
    )
    expect(nia.locator("main")).to_contain_text(
        "This file’s contents are not a PDF file, although its name ends in .pdf (it looks like an HTML page). Upload "
        "the original file, or save it again as PDF."
    )
    walk.shot(
        nia,
        "06-file-content-mismatch-document",
        "uploading “poster.pdf” that is really an HTML page: “This file’s contents are not a PDF file, although its "
        "name ends in .pdf (it looks like an HTML page) …”",
    )
    nia.goto(walk.url("/admin/images/multiple/add/"))
    nia.locator("input[type=file]").first.set_input_files(
        files=[{"name": "photo.png", "mimeType": "image/png", "buffer": b"\xff\xd8\xff\xe0" + bytes(200)}]
    )
    expect(nia.locator("main")).to_contain_text(
        "This file’s contents are not a PNG file, although its name ends in .png (it looks like a JPEG image). Upload "
        "the original file, or save it again as PNG."
    )
    walk.shot(
        nia,
        "06-file-content-mismatch-image",
        "uploading “photo.png” that is really a JPEG: the same sentence for images",
    )

    # An announcement drafted and submitted for review.
    title = f"Pronoun pins at the welcome desk ({tag})"
    nia.goto(walk.url(f"/admin/pages/add/announcements/announcementpage/{ids['announcements_pk']}/"))
    expect(nia.locator("html[data-edits-watched]")).to_be_attached()
    form = nia.locator("form[data-edit-form]")
    form.get_by_role("textbox", name=required("Title")).fill(title)
    form.get_by_role("button", name="Choose announcement category").click()
    chooser = nia.get_by_role("dialog")
    chooser.get_by_role("link", name="Campus events", exact=True).click()
    expect(chooser).to_be_hidden()
    date = form.get_by_role("textbox", name=required("Date"))
    date.fill(ids["today"])
    picker = nia.locator(".xdsoft_datetimepicker:visible")
    expect(picker).to_have_count(1)
    date.press("Tab")
    expect(picker).to_have_count(0)
    content = nia.get_by_role("tabpanel", name=re.compile(r"^Content"))
    content.get_by_role("region", name="Summary", exact=True).get_by_role("textbox").fill(
        "Free pronoun pins are now available at the medical campus welcome desk."
    )
    expect(nia.locator("main")).to_contain_text("which is why there is no Publish button for you")
    footer = nia.locator("footer")
    footer.get_by_role("button", name="More actions").click()
    mailbox.mark()
    footer.get_by_role("button", name=f"Submit to {WORKFLOW}").click()
    nia.wait_for_url(walk.url(f"/admin/pages/{ids['announcements_pk']}/"))
    expect(messages(nia)).to_contain_text(f"Page '{title}' created and submitted for moderation.")
    submitted = mailbox.email_to(moderator_email)
    review_links = links(plain_body(submitted))
    check(
        review_links and all(link.startswith(walk.base + "/") for link in review_links),
        f"the review email's links, all starting {walk.base}",
        review_links,
    )
    walk.show_email(
        submitted,
        "01-review-email-links-port-8123",
        f"the “submitted for review” email a Moderator gets: preview, edit and preferences links all start {walk.base}",
    )

    # /_util/login/ (the private pages' sign-in) without `next` (item 6).
    visitor = walk.page()
    visitor.goto(walk.url("/_util/login/"))
    visitor.get_by_role("textbox", name=required("Username")).fill(editor)
    visitor.get_by_label(required("Password")).fill(PASSWORD)
    visitor.get_by_role("button", name=re.compile("Sign in|Log in", re.IGNORECASE)).click()
    visitor.wait_for_url(walk.url("/"))
    expect(visitor.get_by_role("heading", level=1)).to_be_visible()
    walk.shot(
        visitor,
        "06-util-login-lands-on-home",
        "signing in on /_util/login/ (the private pages' sign-in) without a `next`: the home page, not a 404 at "
        "/accounts/profile/",
    )
    visitor.context.close()
    walk.contexts.remove(visitor.context)

    # ---- The Moderator: first sign-in, and approving from the dashboard (items 4 and 6) ----
    mo = walk.page()
    sign_in(mo, walk, moderator, PASSWORD, "/admin-2fa/setup/")
    mo_key = set_up_authenticator(mo, walk)
    mo_codes = [code.strip() for code in mo.locator("#two-factor-backup-codes li").all_inner_texts()]
    check(len(mo_codes) == 10, "ten backup codes", mo_codes)
    mo.get_by_role("link", name="I have stored my backup codes, continue").click()
    mo.wait_for_url(walk.url("/admin/"))
    review = mo.get_by_role("region", name="Awaiting your review")
    row = review.get_by_role("row").filter(has_text=title)
    expect(row).to_have_count(1)
    row.get_by_role("button", name="Actions").click()
    row.get_by_role("button", name="Approve", exact=True).click()
    dialog = mo.get_by_role("dialog")
    expect(dialog.get_by_role("heading", name=f"Approve and publish '{title}'?")).to_be_visible()
    expect(dialog).to_contain_text("It goes live on the site as soon as you approve.")
    comment = "Thanks, lovely news. I shortened the summary a little."
    dialog.get_by_role("textbox", name="Comment (optional)").fill(comment)
    walk.shot(
        mo,
        "06-dashboard-approve-confirms",
        f"a Moderator's dashboard, “Approve” under “Awaiting your review”: a dialog “Approve and publish '{title}'?”, "
        "“It goes live on the site as soon as you approve.”, an optional comment",
    )
    mailbox.mark()
    with mo.expect_navigation(url=walk.url("/admin/")):
        dialog.get_by_role("button", name="Approve and publish").click()
    expect(messages(mo)).to_contain_text(f"'{title}' approved and published.")
    expect(
        mo.get_by_role("region", name="Awaiting your review").get_by_role("row").filter(has_text=title)
    ).to_have_count(0)
    walk.shot(
        mo,
        "06-dashboard-approved-message",
        f"after approving: “'{title}' approved and published.”, and it has left the review list",
    )
    approved = mailbox.email_to(editor_email, "approved")
    approved_body = plain_body(approved)
    check(comment in approved_body, f"the approval email to quote the comment {comment!r}", approved_body)
    page_links = [link for link in links(approved_body) if "/announcements/" in link]
    check(
        page_links and page_links[0].startswith(walk.base + "/announcements/"),
        f"the approval email to link the page under {walk.base}/announcements/",
        links(approved_body),
    )
    status = fetch(walk.base, page_links[0].removeprefix(walk.base)).status
    check(status == 200, "the approved page to answer 200", page_links[0], status)
    walk.show_email(
        approved,
        "06-approval-email-with-comment",
        f"the email the Editor gets: approved, the Moderator's comment quoted, “view the page” at {page_links[0]}",
        highlight=[comment],
    )

    # The Moderator without their phone: a backup code instead (item 4).
    no_phone = walk.page()
    sign_in(no_phone, walk, moderator, PASSWORD, "/admin-2fa/verify/")
    field = no_phone.get_by_label("6-digit code or backup code")
    expect(no_phone.locator("main")).to_contain_text("Enter one of the backup codes")
    field.fill(mo_codes[0])
    walk.shot(
        no_phone,
        "04-sign-in-with-backup-code",
        "the verify page takes “6-digit code or backup code”: a backup code typed instead of the app's code",
    )
    no_phone.get_by_role("button", name="Verify and continue").click()
    no_phone.wait_for_url(walk.url("/admin/"))
    expect(messages(no_phone)).to_contain_text("9 backup codes left")
    walk.shot(
        no_phone, "04-backup-code-accepted", "signed in with the backup code; the admin says “9 backup codes left”"
    )
    again = walk.page()
    sign_in(again, walk, moderator, PASSWORD, "/admin-2fa/verify/")
    again.get_by_label("6-digit code or backup code").fill(mo_codes[0])
    again.get_by_role("button", name="Verify and continue").click()
    expect(again.locator("main")).to_contain_text("That backup code is not right, or it has been used already")
    walk.shot(
        again,
        "04-backup-code-used-once",
        "the same backup code a second time: “That backup code is not right, or it has been used already”",
    )
    again.context.close()
    walk.contexts.remove(again.context)

    # ---- The administrator resets the lost authenticator (item 4) ----
    admin.goto(walk.url("/admin/users/"))
    row = admin.get_by_role("row").filter(has=admin.get_by_role("cell", name=moderator, exact=True))
    row.get_by_role("button", name=re.compile(r"^More options for")).click()
    row.get_by_role("link", name="Reset two-factor").click()
    mo_pk = django_call(env, "scripts.walkthrough:user_pk", moderator)
    admin.wait_for_url(walk.url(f"/admin/two-factor/reset/{mo_pk}/"))
    expect(admin.get_by_role("heading", level=1)).to_contain_text("Reset two-factor authentication")
    expect(admin.locator("main")).to_contain_text(
        f"{moderator} has an authenticator app set up and 9 unused backup codes"
    )
    expect(admin.locator("main")).to_contain_text("First check who is asking")
    walk.shot(
        admin,
        "04-admin-resets-authenticator",
        f"Settings → Users → “⋯” → Reset two-factor for {moderator}: what a reset does, “First check who is asking”, "
        "“Yes, reset two-factor authentication”",
    )
    admin.get_by_role("button", name="Yes, reset two-factor authentication").click()
    admin.wait_for_url(walk.url("/admin/users/"))
    expect(messages(admin)).to_contain_text(f"Two-factor authentication of {moderator} was reset")
    walk.shot(
        admin, "04-admin-reset-done", f"back on the users list: “Two-factor authentication of {moderator} was reset …”"
    )
    admin.goto(walk.url("/admin/reports/site-history/"))
    entry = admin.get_by_role("row").filter(has_text=moderator).filter(has_text="Two-factor authentication reset")
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text("authenticator and backup codes removed, signed out everywhere")
    expect(entry).to_contain_text("admin")
    walk.shot(
        admin,
        "04-reset-in-site-history",
        "Reports → Site history: “Two-factor authentication reset: authenticator and backup codes removed, signed out "
        "everywhere” for the moderator, by admin (and “Signed in with a backup code” before it)",
    )
    admin.goto(walk.url(f"/admin/two-factor/reset/{ids['admin_pk']}/"))
    expect(admin.locator("main")).to_contain_text("You cannot reset your own two-factor authentication")
    expect(admin.get_by_role("button", name="Yes, reset two-factor authentication")).to_have_count(0)
    walk.shot(
        admin,
        "04-cannot-reset-own-two-factor",
        "the only administrator opening a reset of their own two-factor: refused, with the way to recover instead (a "
        "backup code, or another administrator)",
    )

    # The phone's session is over; the next sign-in sets up a new app.
    no_phone.goto(walk.url("/admin/"))
    no_phone.wait_for_url(re.compile(re.escape(walk.url("/admin/login/"))))
    mo.goto(walk.url("/admin/"))
    mo.wait_for_url(re.compile(re.escape(walk.url("/admin/login/"))))
    sign_in(mo, walk, moderator, PASSWORD, "/admin-2fa/setup/")
    walk.shot(
        mo,
        "04-after-reset-set-up-again",
        "the moderator's old sessions have ended; the next sign-in asks them to set up a new authenticator app",
    )
    mo_key = set_up_authenticator(mo, walk)
    expect(mo.locator("#two-factor-backup-codes li")).to_have_count(10)
    mo.get_by_role("link", name="I have stored my backup codes, continue").click()
    mo.wait_for_url(walk.url("/admin/"))

    # ---- Scheduling (item 5) ----
    year = int(ids["today"][:4]) + 1
    typed, shown = f"{year}-03-01 09:45", f"1 March {year}, 09:45 Central Time"
    mo.goto(walk.url(f"/admin/pages/{ids['accessibility_pk']}/edit/"))
    expect(mo.locator("html[data-edits-watched]")).to_be_attached()
    open_status(mo)
    mo.get_by_role("button", name=re.compile(r"^(Set|Edit) schedule$")).first.click()
    dialog = mo.get_by_role("dialog", name="Set publishing schedule")
    expect(dialog).to_be_visible()
    go_live = dialog.get_by_role("textbox", name="Go live date/time")
    expect(go_live).to_have_accessible_description(ZONE)
    expect(dialog.get_by_text(ZONE)).to_have_count(2)
    go_live.click()
    picker = mo.locator(".xdsoft_datetimepicker:visible")
    expect(picker.locator(".xdsoft_time", has_text="09:45")).to_have_count(1)
    expect(picker.locator(".xdsoft_time", has_text="09:15")).to_have_count(1)
    walk.shot(
        mo,
        "05-schedule-minutes-selectable",
        "the go-live picker lists quarter hours (09:00, 09:15, 09:30, 09:45 …), not whole hours only",
    )
    go_live.fill(typed)
    dialog.get_by_role("heading", name="Set publishing schedule").click()  # closes the picker
    expect(picker).to_have_count(0)
    walk.shot(
        mo,
        "05-schedule-form-with-time-zone",
        f"the “Set publishing schedule” dialog: go-live {typed}, “{ZONE}” named under both fields",
    )
    with mo.expect_navigation():
        dialog.get_by_role("button", name="Save schedule").click()
    expect(mo.locator("html[data-edits-watched]")).to_be_attached()
    status = open_status(mo)
    expect(status).to_contain_text(f"Go-live: {shown}")
    footer = mo.locator("footer")
    footer.get_by_role("button", name="More actions").click()
    footer.get_by_role("button", name="Schedule to publish").click()
    listing = walk.url(f"/admin/pages/{ids['home_pk']}/")
    conflict = mo.get_by_role("dialog").filter(has_text="You saved a new version in another window")
    expect(
        mo.get_by_role("heading", name="You saved a new version in another window")
        .or_(mo.get_by_role("heading", level=1, name=ids["home_title"]))
        .first
    ).to_be_visible()
    if conflict.is_visible():
        walk.shot(
            mo,
            "05-schedule-to-publish-conflict",
            "“Schedule to publish” right after “Save schedule”, one person in one window: “You saved a new version in "
            "another window”",
        )
        walk.finding(
            "05-schedule-to-publish-conflict.png: after “Save schedule” and then “Schedule to publish” (one "
            "Moderator, one window) the editor said “You saved a new version in another window”. The server log shows "
            "an autosave POST that finished after the schedule's own save (POST …/edit/ 302, then POST …/edit/ 200 or "
            "400 a second later): autosave fired as the dialog was saved, its revision landed after the save's, and "
            "the reloaded editor took it for another window's. Expected: autosave paused while the form is being "
            "submitted, and no conflict for a single editor."
        )
        with mo.expect_navigation(url=listing):
            conflict.get_by_role("button", name="Schedule to publish").click()
    mo.wait_for_url(listing)
    expect(messages(mo)).to_contain_text("has been scheduled for publishing")
    mo.goto(walk.url(f"/admin/pages/{ids['accessibility_pk']}/edit/"))
    expect(mo.locator("html[data-edits-watched]")).to_be_attached()
    status = open_status(mo)
    expect(status).to_contain_text(f"Go-live: {shown}")
    expect(status).to_contain_text("Locked by schedule")
    banner = messages(mo).filter(has_text="scheduled to go live")
    expect(banner).to_be_visible()
    banner_text = " ".join(banner.inner_text().split())
    walk.shot(
        mo,
        "05-scheduled-page-status",
        f"the scheduled page in the editor: status panel “Go-live: {shown}”, “Locked by schedule”; the banner says "
        f"“{banner_text.removesuffix(' Cancel scheduled publish')}”",
    )
    if "Central Time" not in banner_text:
        walk.finding(
            "05-scheduled-page-status.png: the page editor's banner for a scheduled page reads "
            f"“{banner_text.removesuffix(' Cancel scheduled publish')}” (Wagtail's own format, no zone), while the "
            f"status panel beside it, the dialog and the listing say “{shown}”. Expected the one way of writing a "
            "schedule, with the zone named, in the banner too."
        )
    mo.goto(walk.url(f"/admin/pages/{ids['home_pk']}/"))
    row = mo.get_by_role("row").filter(has=mo.get_by_role("link", name=ids["accessibility_title"], exact=True))
    expect(row).to_contain_text(f"Scheduled for {shown}")
    walk.shot(
        mo,
        "05-page-listing-scheduled-for",
        f"the page listing: “{ids['accessibility_title']}” live, “Scheduled for {shown}”",
    )

    # A time typed and never saved is not kept by autosave.
    mo.goto(walk.url(f"/admin/pages/{ids['contact_pk']}/edit/"))
    expect(mo.locator("html[data-edits-watched]")).to_be_attached()
    open_status(mo)
    mo.get_by_role("button", name="Set schedule").click()
    dialog = mo.get_by_role("dialog", name="Set publishing schedule")
    go_live = dialog.get_by_role("textbox", name="Go live date/time")
    with mo.expect_response(
        lambda r: (
            r.request.method == "POST"
            and r.url.endswith(f"/admin/pages/{ids['contact_pk']}/edit/")
            and "application/json" in (r.request.headers.get("accept") or "")
        ),
        timeout=90_000,
    ) as autosaved:
        go_live.click()
        go_live.fill(typed)
        dialog.get_by_role("heading", name="Set publishing schedule").click()
    saved = autosaved.value.json()
    check(saved["success"], "autosave to have saved the rest of the form", saved)
    mo.reload()
    expect(mo.locator("html[data-edits-watched]")).to_be_attached()
    open_status(mo)
    expect(mo.get_by_text("No publishing schedule set")).to_be_visible()
    schedule = django_call(env, "scripts.walkthrough:schedule_of", ids["contact_pk"])
    check(schedule == [None, None, False], "no publishing schedule kept on the page", schedule)
    walk.shot(
        mo,
        "05-unsaved-schedule-not-kept",
        "a go-live typed in the dialog, autosave run, page left without “Save schedule”: back on the page, “No "
        "publishing schedule set”",
    )

    # ---- Typo-tolerant search on SQLite (item 7) ----
    reader = walk.page()
    for typo, word, expected_title in (
        ("internatonal", "international", "Office for International Students and Scholars"),
        ("scholarhsip", "scholars", "Office for International Students and Scholars"),
        ("acessibility", "accessibility", "Accessibility statement"),
    ):
        reader.goto(walk.url("/"))
        reader.get_by_role("searchbox", name=re.compile("Search", re.IGNORECASE)).or_(
            reader.get_by_role("textbox", name=re.compile("Search", re.IGNORECASE))
        ).first.fill(typo)
        reader.get_by_role("button", name="Search", exact=True).first.click()
        reader.wait_for_url(re.compile(r"/search/\?"))
        main = reader.get_by_role("main")
        expect(main).to_contain_text(f"Showing results for {word}")
        expect(main).to_contain_text(f"No page contains “{typo}”")
        expect(main.get_by_role("link", name=expected_title)).to_be_visible()
        walk.shot(
            reader,
            f"07-sqlite-typo-search-{typo}",
            f"searching “{typo}” on make run's SQLite: “Showing results for {word}”, the result “{expected_title}”",
        )
    timings = django_call(
        env,
        "scripts.walkthrough:search_timings",
        ["internatonal", "scholarhsip", "acessibility", "international"],
        30,
        timeout=300,
    )
    lines = [
        "Search timings in the app: Django's test client against make run's SQLite database (demo content),",
        "development settings, PAGE_CACHE off (every request runs the search; the typo vocabulary stays cached",
        "per content generation, as designed), 30 requests each after a first one. Wall clock (time.perf_counter)",
        "per whole request, and the median CPU time (time.process_time; the machine is shared and loaded):",
        "",
        f"{'query':<16} {'first ms':>8} {'median ms':>10} {'p90 ms':>8} {'max ms':>8} {'CPU median ms':>14}",
    ]
    for query, figures in timings.items():
        lines.append(
            f"{query:<16} {figures['cold']:>8.1f} {figures['median']:>10.1f} {figures['p90']:>8.1f} "
            f"{figures['max']:>8.1f} {figures['cpu']:>14.1f}"
        )
    slowest = max(figures["median"] for figures in timings.values())
    slowest_cpu = max(figures["cpu"] for figures in timings.values())
    lines += [
        "",
        (
            f"slowest median: {slowest:.1f} ms wall clock, {slowest_cpu:.1f} ms CPU "
            "(issue 11: no slower than 50 ms per search at demo scale)"
        ),
    ]
    walk.note(
        "07-search-timings",
        f"search timings for the three typos and a correct word: slowest median {slowest_cpu:.1f} ms CPU "
        f"({slowest:.1f} ms wall clock) per whole request, page cache off",
        "\n".join(lines) + "\n",
    )
    if slowest_cpu > 50:
        walk.finding(
            f"07-search-timings.txt: a typo search takes a median {slowest_cpu:.1f} ms of CPU per request, above the "
            "50 ms the issue asks for"
        )

    # ---- Trusted proxies (item 8): not visible in a browser; the evidence as text ----
    walk.note(
        "08-trusted-proxies-direct-to-app",
        "two (and more) forged X-Forwarded-For requests straight to make run's app count as one REMOTE_ADDR; forging "
        "does not escape the lockout; a second real address is not locked out",
        forged_header_evidence(walk, env, tag),
    )
    walk.note(
        "08-trusted-proxies-through-proxies",
        "with TRUSTED_PROXIES (Django's test client, settings overridden): who the lockout counts for each request, "
        "and two visitors behind the same load balancer → Varnish chain told apart",
        django_call(env, "scripts.walkthrough:proxy_evidence", tag, timeout=300),
    )

    # ---- Production refuses to start without its public address (item 1) ----
    walk.note(
        "01-production-refuses-without-base-url",
        "production settings without WAGTAILADMIN_BASE_URL: manage.py check refuses, naming the variable",
        production_refusal(),
    )

    return locals()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--out", default=str(Path(tempfile.gettempdir()) / "walkthrough"))
    parser.add_argument("--server-log", help="the file the server's stdout goes to (found in /proc when omitted)")
    args = parser.parse_args(argv)

    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import expect, sync_playwright

    started = time.monotonic()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for old in list(out.glob("*.png")) + list(out.glob("*.txt")):
        old.unlink()
    log_path = Path(args.server_log) if args.server_log else server_stdout(args.base_url)
    if log_path is None:
        raise SystemExit(
            f"Cannot find where the server at {args.base_url} prints its emails: start it with its "
            "output in a file (PORT=8123 make run > server.log 2>&1) or pass --server-log FILE."
        )
    if fetch(args.base_url, "/").status != 200:
        raise SystemExit(f"{args.base_url}/ does not answer 200")
    env = django_env(SETTINGS)
    tag = format(int(time.time()) % 36**4, "x")
    ids = django_call(env, "scripts.walkthrough:prepare", tag, timeout=120)
    mailbox = Mailbox(log_path)
    print(f"Walking through {args.base_url} (emails from {log_path}; run tag {tag}); screenshots in {out}", flush=True)

    expect.set_options(timeout=TIMEOUT)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        walk = Walk(browser, args.base_url, out)
        try:
            walk_through(walk, ids, mailbox, tag, env)
        except Exception:
            for index, context in enumerate(walk.contexts):
                for number, page in enumerate(context.pages):
                    try:
                        page.screenshot(path=str(out / f"FAILED-{index}-{number}.png"), full_page=True)
                    except PlaywrightError:  # a page already gone: best effort
                        pass
            raise
        finally:
            walk.close()
            browser.close()
    print(f"{len(walk.shots)} files in {out}; the walk-through took {time.monotonic() - started:.0f} s", flush=True)
    if walk.findings:
        print(f"{len(walk.findings)} finding(s) for a new user (see FINDING lines above)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
