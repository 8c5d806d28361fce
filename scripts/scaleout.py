"""`make scaleout`: two app servers behind Varnish on one machine, and proof that it works.

    python scripts/scaleout.py [--seconds S] [--keep] [--timeout S]

It builds, on loopback only, the production topology of docs/deployment.md in miniature:

    client ──► varnishd (deploy/varnish/default.vcl, its own -n working directory, a free port)
                 ├─► gunicorn app1 (dei_portal/operations/gunicorn_conf.py, 2 workers, a free port)
                 └─► gunicorn app2 (same code, same settings, another free port)
               both share: a throwaway PostgreSQL database on 127.0.0.1:5432
                           (dei_portal_scaleout_<pid>), the Redis at 127.0.0.1:6379 under a key
                           prefix of this run's own, one media folder, one static folder

The app servers run the production settings over plain HTTP (scripts/bench_settings.py, as
`make bench` does) with CDN_MAX_AGE=300 (Varnish may keep a page 5 minutes) and
FRONTEND_CACHE_URLS naming the Varnish, so they PURGE and BAN it on every change.

Checks, each PASS or FAIL in the closing table (exit status 1 on any FAIL, 2 when the run
itself could not be set up):

  a. both app servers answer directly, and Varnish spreads requests over both (the
     X-Served-By header it adds, and its per-backend request counters);
  b. a page is cached: the second request is an X-Cache HIT and reaches no app server
     (their access logs);
  c. a draft of an office page with a new title (saved in a Django shell with app1's
     environment) changes nothing through Varnish; a superuser then signs in to app1's admin
     (password, then the TOTP code, as an authenticator app computes it) and publishes it with
     the admin's Publish action (a real POST: revision.publish() in a transaction, which sends
     page_published): the page, the home page and the offices listing show the new title on
     the very next request through Varnish; then a notice change published in a Django shell
     with app2's environment (a site-wide change) shows on every page that was cached;
  d. wrk for S seconds (default 5) on a cached page and on a static file through the same
     Varnish: requests/s of each and their ratio (target: the page ≥ 50% of the file);
  e. a signed-in editor (a real login through Varnish) is never served from the cache, and
     does not leave a personalised page in it;
  f. the login lockout counts the visitor, not Varnish (TRUSTED_PROXIES=127.0.0.1): a visitor
     from 127.0.0.2 guesses the editor's password until locked out, and stays locked out when
     it forges X-Forwarded-For through Varnish or straight to an app server; a visitor from
     127.0.0.3 through the same Varnish still signs in.

Everything it made is removed at the end (database, Redis keys, processes, temporary folder)
unless --keep. Debian's varnish and wrk are installed with apt-get when missing (as root).
"""

import argparse
import json
import os
import re
import secrets
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # for `scripts.…`
from scripts.harness import (
    HOST,
    ROOT,
    Background,
    Browser,
    Cleanup,
    Column,
    Gunicorn,
    HarnessError,
    OutOfTime,
    PostgresServer,
    Server,
    csrf_token,
    django_call,
    django_env,
    ensure_debian,
    fetch,
    forget_keys,
    free_port,
    log,
    make_workdir,
    manage,
    print_table,
    run_wrk,
    tail,
    time_limit,
    wrk_errors,
)
from scripts.harness.totp import current_code

VCL_TEMPLATE = ROOT / "deploy" / "varnish" / "default.vcl"
POSTGRES = PostgresServer(host=HOST, port=5432, user="postgres")  # the machine's, shared
REDIS_URL = "redis://127.0.0.1:6379/0"
CDN_MAX_AGE = 300
PAGE_TO_STATIC_TARGET = 0.5
EDITOR = "scaleout-editor"
EDITOR_PASSWORD = secrets.token_urlsafe(18)
ADMIN = "scaleout-admin"
ADMIN_PASSWORD = secrets.token_urlsafe(18)


# --- the site ----------------------------------------------------------------------------------


class ScaleOut:
    def __init__(self, args):
        self.args = args
        self.pid = os.getpid()
        self.workdir = make_workdir("scaleout")
        self.workdir.chmod(0o755)  # varnishd's unprivileged child reads its working directory
        self.db_name = f"dei_portal_scaleout_{self.pid}"
        self.cache_prefix = f"dei-scaleout-{self.pid}-{secrets.token_hex(3)}"
        self.secret_key = secrets.token_urlsafe(48)
        self.ports = {"app1": free_port(), "app2": free_port(), "varnish": free_port()}
        self.apps = {}
        self.varnish = None
        self.varnish_dir = self.workdir / "varnish"
        self.probe_url = "/robots.txt"
        self.cleanup = Cleanup()  # what the run made, undone last first
        self.cleanup.remove_directory(self.workdir, keep=args.keep)

    # environment ----------------------------------------------------------------------------

    def env(self, instance=None):
        env = django_env(
            "scripts.bench_settings",  # production settings over plain HTTP
            drop=("FRONTEND_CACHE_URLS", "PAGE_CACHE", "FRAGMENT_CACHE"),
            SECRET_KEY=self.secret_key,
            ALLOWED_HOSTS=f"{HOST},localhost",
            DATABASE_URL=POSTGRES.url(self.db_name),
            REDIS_URL=REDIS_URL,
            BENCH_CACHE_KEY_PREFIX=self.cache_prefix,  # this run's own keys in the shared Redis
            STATIC_ROOT=self.workdir / "static",
            MEDIA_ROOT=self.workdir / "media",  # one media folder for both app servers
            WAGTAILADMIN_BASE_URL=f"http://{HOST}:{self.ports['varnish']}",
            CDN_MAX_AGE=CDN_MAX_AGE,
            # Behind Varnish, which connects from 127.0.0.1: its X-Forwarded-For entry is believed
            # (the visitor), and only from that address.
            TRUSTED_PROXIES=HOST,
        )
        if instance:
            env.update(
                FRONTEND_CACHE_URLS=f"http://{HOST}:{self.ports['varnish']}",
                GUNICORN_BIND=f"{HOST}:{self.ports[instance]}",
                WEB_CONCURRENCY="2",
                GUNICORN_THREADS="1",
                GUNICORN_ACCESS_LOG=str(self.workdir / f"{instance}-access.log"),
                GUNICORN_LOG_LEVEL="warning",
                GUNICORN_CONTROL_SOCKET="off",
            )
        return env

    def django(self, function, *args, instance):
        """Call one of this module's in-Django functions (below) with app server `instance`'s
        environment; its answer."""
        return django_call(self.env(instance), f"scripts.scaleout:{function}", *args)

    # database and cache ---------------------------------------------------------------------

    def prepare(self):
        POSTGRES.create_database(self.db_name, replace=True)
        self.cleanup.add(self.drop_database)
        self.cleanup.add(self.forget_redis_keys)
        log(f"Database: PostgreSQL {self.db_name} on 127.0.0.1:5432 (throwaway); Redis prefix {self.cache_prefix}")
        started = time.monotonic()
        collectstatic = Background(self.env(), "collectstatic", "--noinput")  # meanwhile
        self.cleanup.add(collectstatic.stop)
        manage(self.env(), "migrate", "--noinput")
        migrated = time.monotonic()
        manage(self.env(), "load_demo_content")
        loaded = time.monotonic()
        collectstatic.wait()
        log(
            f"  migrated in {migrated - started:.0f} s, demo content loaded in {loaded - migrated:.0f} s "
            f"(static files collected meanwhile)"
        )

    def drop_database(self):
        if self.args.keep:
            return f"database {self.db_name} kept"
        POSTGRES.drop_database(self.db_name)
        return f"database {self.db_name} dropped"

    def forget_redis_keys(self):
        return f"{forget_keys(REDIS_URL, self.cache_prefix)} Redis keys removed"

    # processes ------------------------------------------------------------------------------

    def start_app(self, instance):
        server = Gunicorn(
            instance, port=self.ports[instance], env=self.env(instance), log_path=self.workdir / f"{instance}.log"
        )
        self.apps[instance] = server
        self.cleanup.add(server.stop, timeout=35)
        server.start_serving("/robots.txt", timeout=60)

    def tail(self, name, size=2000):
        return tail(self.workdir / name, size)

    def render_vcl(self):
        """deploy/varnish/default.vcl with this run's ports and probe URL (lines marked "scaleout:")."""
        text = VCL_TEMPLATE.read_text()
        replacements = {
            "scaleout: probe URL": lambda line: re.sub(r'"[^"]*"', f'"{self.probe_url}"', line, count=1),
            "scaleout: app1 port": lambda line: re.sub(r'"\d+"', f'"{self.ports["app1"]}"', line, count=1),
            "scaleout: app2 port": lambda line: re.sub(r'"\d+"', f'"{self.ports["app2"]}"', line, count=1),
        }
        lines, seen = [], set()
        for line in text.splitlines():
            for marker, change in replacements.items():
                if marker in line:
                    line = change(line)
                    seen.add(marker)
            lines.append(line)
        if seen != set(replacements):
            raise HarnessError(f"{VCL_TEMPLATE} lacks the lines marked {sorted(set(replacements) - seen)}")
        path = self.workdir / "default.vcl"
        path.write_text("\n".join(lines) + "\n")
        path.chmod(0o644)
        return path

    def start_varnish(self):
        vcl = self.render_vcl()
        self.varnish = Server(
            "varnishd",
            [
                "varnishd",
                "-F",  # in the foreground, as our child: stopped with the run
                "-n",
                self.varnish_dir,  # its own working directory: never the system's varnish
                "-a",
                f"{HOST}:{self.ports['varnish']}",
                "-T",
                f"{HOST}:0",
                "-f",
                vcl,
                "-s",
                "malloc,64m",
                "-p",
                "ban_lurker_sleep=0.1",
            ],
            log_path=self.workdir / "varnish.log",
        )
        self.cleanup.add(self.varnish.stop)
        self.varnish.start()
        self.varnish.wait_until(lambda: fetch(self.ports["varnish"], "/robots.txt", timeout=5).status == 200, 30)

    def backend_health(self):
        """Varnish's own view of the app servers (varnishadm backend.list): {name: health}."""
        result = subprocess.run(
            ["varnishadm", "-n", str(self.varnish_dir), "backend.list"], capture_output=True, text=True, timeout=10
        )
        health = {}
        for line in result.stdout.splitlines():  # "boot.app1   probe   5/5   healthy   <date>"
            parts = line.split()
            name = parts[0].rsplit(".", 1)[-1] if parts else ""
            if name in ("app1", "app2"):
                health[name] = next((word for word in parts if word in ("healthy", "sick")), " ".join(parts[1:4]))
        return health

    def varnish_counters(self):
        result = subprocess.run(
            ["varnishstat", "-n", str(self.varnish_dir), "-1", "-j"], capture_output=True, text=True, timeout=10
        )
        data = json.loads(result.stdout)
        counters = data.get("counters", data)
        return {name: value.get("value", 0) for name, value in counters.items() if isinstance(value, dict)}

    def backend_requests(self):
        counters = self.varnish_counters()
        totals = {"app1": 0, "app2": 0}
        for name, value in counters.items():
            match = re.match(r"VBE\.[^.]+\.(app[12])\.req$", name)
            if match:
                totals[match.group(1)] += value
        return totals

    def app_requests(self, path):
        """How many requests for `path` (exactly, query included) each app server's access log shows."""
        counts = {}
        for instance in ("app1", "app2"):
            text = self.tail(f"{instance}-access.log", size=10**9)
            counts[instance] = sum(1 for line in text.splitlines() if f'"GET {path} HTTP/' in line)
        return counts

    def finish(self):
        log("Cleaned up: " + "; ".join(self.cleanup.run()))


# --- inside Django (ScaleOut.django runs these in an app server's environment) ----------------


def prepare_checks(host, port, editor, editor_password, admin, admin_password):
    """What the checks need: the site's address, an editor, a superuser with an authenticator,
    some URLs."""
    from django.apps import apps
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django_otp.plugins.otp_totp.models import TOTPDevice
    from wagtail.models import Site

    # Absolute URLs, and the Host of Wagtail's PURGE requests, name the address visitors use.
    # (save(), not update(): Wagtail keeps the sites' root URLs in the shared cache and a save
    # clears them.)
    site = Site.objects.get(is_default_site=True)
    site.hostname, site.port = host, port
    site.save()
    # An editor for check e (Editors need no second factor).
    user = get_user_model().objects.create_user(editor, "editor@example.edu", editor_password)
    user.groups.add(Group.objects.get(name="Editors"))
    # A superuser with a confirmed authenticator for check c (the admin's Publish).
    superuser = get_user_model().objects.create_superuser(admin, "admin@example.edu", admin_password)
    device = TOTPDevice.objects.create(user=superuser, name="Authenticator app", confirmed=True)

    def first(app_label, model_name):
        return apps.get_model(app_label, model_name).objects.live().public().order_by("path").first()

    site = Site.objects.get(is_default_site=True)
    office = first("offices", "OfficePage")
    notice = apps.get_model("announcements", "SiteNotice").objects.filter(live=True).order_by("sort_order").first()
    return {
        "office_id": office.pk,
        "office": office.relative_url(site),
        "office_title": office.title,
        "statement": first("dei_portal", "StatementPage").relative_url(site),
        "announcement": first("announcements", "AnnouncementPage").relative_url(site),
        "notice_id": notice.pk,
        "notice_text": notice.text,
        "totp_key": device.key,
    }


def save_draft_title(page_id, title):
    """An editor saves a draft of an office page with a new title (the public site must not change)."""
    from django.apps import apps

    page = apps.get_model("offices", "OfficePage").objects.get(pk=page_id)
    page.title = title
    page.save_revision(log_action=True)
    return True


def publish_notice_text(notice_id, text):
    """A site-wide change: a notice's new text, published (page_published's sibling for snippets)."""
    from django.apps import apps
    from django.db import transaction

    notice = apps.get_model("announcements", "SiteNotice").objects.get(pk=notice_id)
    notice.text = text
    with transaction.atomic():
        notice.save_revision(log_action=True).publish()
    return True


# --- the checks --------------------------------------------------------------------------------


class Checks:
    def __init__(self, site, args):
        self.site = site
        self.args = args
        self.vport = site.ports["varnish"]
        self.results = []  # (check, PASS/FAIL, detail)

    def record(self, check, passed, detail):
        self.results.append((check, "PASS" if passed else "FAIL", detail))
        log(f"  [{'PASS' if passed else 'FAIL'}] {check}: {detail}")

    def get(self, path, **kwargs):
        return fetch(self.vport, path, **{"timeout": 10, **kwargs})

    def warm(self, path):
        """Request `path` until Varnish answers it from its cache (at most 3 times)."""
        response = None
        for _ in range(3):
            response = self.get(path)
            if response.header("X-Cache") == "HIT":
                break
        return response

    def setup(self):
        """One Django shell for what the checks need: the site's address, an editor, some URLs."""
        return self.site.django(
            "prepare_checks", HOST, self.vport, EDITOR, EDITOR_PASSWORD, ADMIN, ADMIN_PASSWORD, instance="app1"
        )

    # a ----------------------------------------------------------------------------------------

    def both_instances_serve(self):
        direct = {instance: fetch(self.site.ports[instance], "/robots.txt").status for instance in ("app1", "app2")}
        health = self.site.backend_health()
        before = self.site.backend_requests()
        served_by = []
        for number in range(8):  # distinct URLs: each is a miss, fetched from the next backend
            response = self.get(f"/search/?query=office&scaleout={number}")
            served_by.append(response.header("X-Served-By") or "?")
        after = self.site.backend_requests()
        delta = {name: after[name] - before[name] for name in after}
        passed = (
            all(status == 200 for status in direct.values())
            and set(served_by) == {"app1", "app2"}
            and all(delta.values())
            and all(health.get(name) == "healthy" for name in ("app1", "app2"))
        )
        self.record(
            "a. both app servers serve",
            passed,
            f"direct /robots.txt: app1 {direct['app1']}, app2 {direct['app2']}; "
            f"Varnish probes ({self.site.probe_url}): "
            f"app1 {health.get('app1', '?')}, app2 {health.get('app2', '?')}; 8 misses through Varnish served by "
            f"app1 ×{served_by.count('app1')}, app2 ×{served_by.count('app2')} (X-Served-By); "
            f"Varnish backend requests +{delta['app1']} app1, +{delta['app2']} app2",
        )

    # b ----------------------------------------------------------------------------------------

    def page_is_cached(self, path):
        first = self.get(path)
        time.sleep(0.3)
        hits_before = self.site.app_requests(path)
        second = self.get(path)
        time.sleep(0.5)  # the access log is written after the response
        hits_after = self.site.app_requests(path)
        app_hits = sum(hits_after.values()) - sum(hits_before.values())
        passed = first.status == 200 and second.status == 200 and second.header("X-Cache") == "HIT" and app_hits == 0
        self.record(
            "b. a page is cached by Varnish",
            passed,
            f"GET {path}: 1st X-Cache {first.header('X-Cache')} (rendered by {first.header('X-Served-By')}, "
            f"Cache-Control '{first.header('Cache-Control')}'), 2nd X-Cache {second.header('X-Cache')} "
            f"(Age {second.header('Age')}); app server requests for {path} during the 2nd: {app_hits}",
        )

    # c ----------------------------------------------------------------------------------------

    def admin_publish(self, page_id):
        """Sign in to app1's admin as a superuser (password, then the TOTP code) and publish the
        page's latest revision with the admin's Publish bulk action: a real admin POST."""
        browser = Browser(self.site.ports["app1"])
        steps = []
        form = browser.get("/admin/login/")
        login = browser.post(
            "/admin/login/",
            {"csrfmiddlewaretoken": csrf_token(form), "username": ADMIN, "password": ADMIN_PASSWORD, "next": "/admin/"},
        )
        steps.append(f"login {login.status}")
        verify_url = "/admin-2fa/verify/?next=/admin/"
        form = browser.get(verify_url)
        verify = browser.post(
            verify_url, {"csrfmiddlewaretoken": csrf_token(form), "token": current_code(self.admin_totp_key)}
        )
        steps.append(f"two-factor {verify.status}")
        publish_url = f"/admin/bulk/wagtailcore/page/publish/?id={page_id}&next=/admin/"
        form = browser.get(publish_url)
        publish = browser.post(publish_url, {"csrfmiddlewaretoken": csrf_token(form)})
        steps.append(f"Publish {publish.status}")
        ok = login.status == 302 and verify.status == 302 and form.status == 200 and publish.status == 302
        return ok, ", ".join(steps)

    def publish_is_visible(self, urls):
        office, home = urls["office"], "/"
        pages = (office, home, "/offices/")
        warmed = {path: self.warm(path).header("X-Cache") for path in pages}
        token = secrets.token_hex(3)
        new_title = f"{urls['office_title']} (renamed {token})"
        # An editor saves a draft with the new title: the public site must not change.
        self.site.django("save_draft_title", urls["office_id"], new_title, instance="app1")
        draft = self.get(office)
        draft_hidden = draft.header("X-Cache") == "HIT" and token not in draft.text
        counters_before = self.site.varnish_counters()
        admin_ok, admin_steps = self.admin_publish(urls["office_id"])
        counters_after = self.site.varnish_counters()
        after = {path: self.get(path) for path in pages}
        objects_purged = counters_after.get("MAIN.n_obj_purged", 0) - counters_before.get("MAIN.n_obj_purged", 0)
        bans_added = counters_after.get("MAIN.bans_added", 0) - counters_before.get("MAIN.bans_added", 0)
        shows = {path: token in response.text for path, response in after.items()}
        passed = (
            all(state == "HIT" for state in warmed.values())
            and draft_hidden
            and admin_ok
            and objects_purged >= 1
            and bans_added >= 1
            and all(shows.values())
            and all(response.header("X-Cache") != "HIT" for response in after.values())
        )
        self.record(
            "c. admin publish on app1 visible at once",
            passed,
            f"before: {', '.join(f'{path} {state}' for path, state in warmed.items())}; a draft with a new title "
            f"saved: {office} still {draft.header('X-Cache')} with the "
            f"{'old title' if token not in draft.text else 'DRAFT TITLE'}; superuser on app1's admin: {admin_steps} "
            f"(Varnish: {objects_purged} object(s) PURGEd by Wagtail, {bans_added} BAN(s) on commit); next request: "
            + ", ".join(
                f"{path} {response.header('X-Cache')} {'new title' if shows[path] else 'OLD TITLE'}"
                for path, response in after.items()
            ),
        )

    def notice_change_clears_every_page(self, urls):
        paths = [
            "/",
            urls["office"],
            "/offices/",
            "/organizations/",
            "/statements/",
            urls["statement"],
            "/announcements/",
            urls["announcement"],
            "/search/?query=equity",
        ]
        warmed = {path: self.warm(path).header("X-Cache") for path in paths}
        token = secrets.token_hex(3)
        new_text = f"Scale-out check {token}: the spring lecture is open for registration."
        self.site.django("publish_notice_text", urls["notice_id"], new_text, instance="app2")
        after = {path: self.get(path) for path in paths}
        fresh = [path for path, response in after.items() if new_text in response.text]
        not_hit = [path for path, response in after.items() if response.header("X-Cache") != "HIT"]
        passed = all(state == "HIT" for state in warmed.values()) and len(fresh) == len(paths) == len(not_hit)
        self.record(
            "c. notice change through app2 clears every page",
            passed,
            f"{sum(state == 'HIT' for state in warmed.values())}/{len(paths)} pages cached (HIT) before; "
            f"after publishing the notice: {len(fresh)}/{len(paths)} show the new text on the next request, "
            f"{len(not_hit)}/{len(paths)} fetched afresh (not HIT)",
        )

    # d ----------------------------------------------------------------------------------------

    def wrk(self, path):
        """wrk on `path` through Varnish: requests/s, errors (responses ≥ 400 and socket errors),
        mean latency."""
        result = run_wrk(
            f"http://{HOST}:{self.vport}{path}",
            self.args.seconds,
            threads=2,
            connections=16,
            headers={"Accept-Encoding": "gzip"},
            timeout=None,
        )
        return {
            "rps": result["requests_per_s"],
            "errors": wrk_errors(result),
            "latency": f"{result['latency_ms']['mean']:.2f}ms",
        }

    def speed(self):
        home = self.warm("/")
        stylesheet = re.search(r'href="(/static/css/site\.[0-9a-f]+\.css)"', home.text)
        static = stylesheet.group(1) if stylesheet else "/static/css/site.css"
        static_warm = self.warm(static)
        app_before = self.site.app_requests("/")
        page_run = self.wrk("/")
        static_run = self.wrk(static)
        time.sleep(0.5)
        app_after = self.site.app_requests("/")
        app_hits = sum(app_after.values()) - sum(app_before.values())
        ratio = page_run["rps"] / static_run["rps"] if static_run["rps"] else 0.0
        passed = (
            home.header("X-Cache") == "HIT"
            and static_warm.header("X-Cache") == "HIT"
            and ratio >= PAGE_TO_STATIC_TARGET
            and page_run["errors"] == 0
            and static_run["errors"] == 0
        )
        gzip = {"Accept-Encoding": "gzip"}  # the size wrk's responses had
        self.speed_rows = [
            ("cached page /", page_run, len(self.get("/", headers=gzip).body)),
            (f"static file {static}", static_run, len(self.get(static, headers=gzip).body)),
        ]
        self.record(
            "d. cached page near static speed",
            passed,
            f"through Varnish, wrk {self.args.seconds} s, 2 threads, 16 connections: page {page_run['rps']:,.0f} "
            f"req/s, static file {static_run['rps']:,.0f} req/s, ratio {ratio:.2f} (target ≥ {PAGE_TO_STATIC_TARGET}); "
            f"errors {page_run['errors']} + {static_run['errors']}; app server requests for / during the load: "
            f"{app_hits}",
        )

    # e ----------------------------------------------------------------------------------------

    def signed_in_never_cached(self):
        username = EDITOR
        anonymous_before = self.warm("/")
        # A real login, through Varnish: the login form (its CSRF cookie), then the POST.
        browser = Browser(self.vport)
        form = browser.get("/admin/login/")
        login = browser.post(
            "/admin/login/",
            {
                "csrfmiddlewaretoken": csrf_token(form),
                "username": username,
                "password": EDITOR_PASSWORD,
                "next": "/admin/",
            },
        )
        cookies = dict(browser.cookies)
        signed_in = "sessionid" in cookies and login.status == 302
        time.sleep(0.3)
        hits_before = self.site.app_requests("/")
        personal = [browser.get("/") for _ in range(2)]
        time.sleep(0.5)
        hits_after = self.site.app_requests("/")
        reached_app = sum(hits_after.values()) - sum(hits_before.values())
        anonymous_after = self.get("/")
        userbar = "wagtail-userbar" in personal[0].text
        passed = (
            signed_in
            and all(response.status == 200 for response in personal)
            and all(response.header("X-Cache") not in ("HIT",) for response in personal)
            and all(response.header("X-App-Cache") != "HIT" for response in personal)
            and all("private" in response.header("Cache-Control") for response in personal)
            and reached_app == 2
            and anonymous_before.header("X-Cache") == "HIT"
            and anonymous_after.header("X-Cache") == "HIT"
            and "wagtail-userbar" not in anonymous_after.text
        )
        self.record(
            "e. signed-in requests never cached",
            passed,
            f"login through Varnish: {login.status} "
            f"{'with a session cookie' if 'sessionid' in cookies else 'NO SESSION'}; "
            f"2 requests for / with it: X-Cache {', '.join(r.header('X-Cache') for r in personal)}, "
            f"Cache-Control '{personal[0].header('Cache-Control')}', both reached an app server ({reached_app}), "
            f"{'with' if userbar else 'without'} the editor's userbar; anonymous / afterwards: "
            f"{anonymous_after.header('X-Cache')}, "
            f"{'no userbar' if 'wagtail-userbar' not in anonymous_after.text else 'USERBAR LEAKED'}",
        )

    # f ----------------------------------------------------------------------------------------

    def login_attempt(self, port, source, password, forwarded_for=None):
        """A real login POST (the form's CSRF token and cookie) from local address `source`."""
        extra = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
        browser = Browser(port, source=source)
        form = browser.get("/admin/login/", headers=extra)
        form_data = {
            "csrfmiddlewaretoken": csrf_token(form),
            "username": EDITOR,
            "password": password,
            "next": "/admin/",
        }
        return browser.post("/admin/login/", form_data, headers=extra).status

    def lockout_counts_each_visitor(self):
        attacker, editor, app = "127.0.0.2", "127.0.0.3", self.site.ports["app1"]
        guesses = [self.login_attempt(self.vport, attacker, f"guess-{n}") for n in range(5)]
        locked = self.login_attempt(self.vport, attacker, EDITOR_PASSWORD)
        # Claiming to be the editor: through Varnish (which appends the real address) and
        # straight to the app server (which is not a trusted proxy, so the header is ignored).
        forged_varnish = self.login_attempt(self.vport, attacker, EDITOR_PASSWORD, forwarded_for=editor)
        forged_direct = self.login_attempt(app, attacker, EDITOR_PASSWORD, forwarded_for=editor)
        other = self.login_attempt(self.vport, editor, EDITOR_PASSWORD)
        passed = (
            guesses == [200] * 4 + [429]  # the form again, until the fifth failure locks
            and (locked, forged_varnish, forged_direct) == (429, 429, 429)
            and other == 302
        )
        self.record(
            "f. the lockout counts each visitor",
            passed,
            f"through Varnish from {attacker}: 5 wrong passwords {', '.join(map(str, guesses))}, "
            f"then the right one {locked}; "
            f"forging X-Forwarded-For: {editor}: through Varnish {forged_varnish}, straight to app1 {forged_direct}; "
            f"the editor from {editor} through Varnish: {other} (target 429, 429, 429 and 302)",
        )


SPEED_COLUMNS = [
    Column("URL", width=48),
    Column("req/s", ">", 10),
    Column("latency avg", ">", 12),
    Column("errors", ">", 7),
    Column("bytes (gzip)", ">", 13),
]
RESULT_COLUMNS = [Column("check"), Column("result", width=6, gap="  "), Column("detail", gap="  ")]


def print_results(results, speed_rows):
    log("")
    if speed_rows:
        log("wrk through Varnish (requests/s are noisy: other work shares this machine's CPUs)")
        print_table(
            SPEED_COLUMNS,
            [[label, f"{run['rps']:,.0f}", run["latency"], run["errors"], size] for label, run, size in speed_rows],
            indent="  ",
        )
        log("")
    print_table(RESULT_COLUMNS, sorted(results, key=lambda result: result[0][:2]), rule="columns")
    failed = sum(verdict == "FAIL" for _, verdict, _ in results)
    log("")
    log(f"{len(results) - failed} of {len(results)} checks passed" + (f", {failed} FAILED" if failed else ""))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=5, help="wrk duration per URL (default 5)")
    parser.add_argument("--timeout", type=int, default=290, help="give up after this many seconds (default 290)")
    parser.add_argument("--keep", action="store_true", help="keep the database, Redis keys' folder and logs")
    args = parser.parse_args()

    started = time.monotonic()
    try:
        ensure_debian({"varnishd": "varnish", "wrk": "wrk"})
    except (HarnessError, subprocess.CalledProcessError) as error:
        log(f"scaleout: {error}")
        return 2
    site = ScaleOut(args)
    checks = Checks(site, args)
    checks.speed_rows = []
    status = 2
    try:
        with time_limit(args.timeout):
            site.prepare()
            for instance in ("app1", "app2"):
                site.start_app(instance)
            healthz = fetch(site.ports["app1"], "/healthz", timeout=10)
            site.probe_url = "/healthz" if healthz.status == 200 else "/robots.txt"
            site.start_varnish()
            log(
                f"Serving: Varnish on {HOST}:{site.ports['varnish']} (probe {site.probe_url}) → app1 on "
                f"{HOST}:{site.ports['app1']}, app2 on {HOST}:{site.ports['app2']} (gunicorn, 2 workers each); "
                f"CDN_MAX_AGE={CDN_MAX_AGE}, FRONTEND_CACHE_URLS=http://{HOST}:{site.ports['varnish']}"
            )
            urls = checks.setup()
            checks.admin_totp_key = urls["totp_key"]
            log("Checks:")
            checks.both_instances_serve()
            checks.page_is_cached("/offices/")
            checks.signed_in_never_cached()
            checks.lockout_counts_each_visitor()
            checks.publish_is_visible(urls)
            checks.notice_change_clears_every_page(urls)
            checks.speed()
        print_results(checks.results, checks.speed_rows)
        status = 1 if any(verdict == "FAIL" for _, verdict, _ in checks.results) else 0
    except (HarnessError, OutOfTime, OSError, subprocess.SubprocessError) as error:
        log(f"\nscaleout: could not finish: {error}")
        for name in ("app1.log", "app2.log", "varnish.log"):
            text = site.tail(name, 1500)
            if text.strip():
                log(f"--- {name} (end) ---\n{text}")
        if checks.results:
            print_results(checks.results, checks.speed_rows)
        status = 2
    finally:
        site.finish()
        log(f"Took {time.monotonic() - started:.0f} s.")
    return status


if __name__ == "__main__":
    sys.exit(main())
