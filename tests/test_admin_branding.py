"""The admin names the office, not Wagtail; the private-page sign-in looks like the site.

- Sign-in page, sidebar, favicon, userbar, the admin's "page not found" and HTML notification
  emails show the office's mark and name, never Wagtail's bird or name (what a person sees or
  hears: visible text, accessible names, images).
- The help menu's guide is the office's editor guide (/admin/guide/), followed to a 200.
- The copies of Wagtail's templates differ from Wagtail's only where this project rewords them,
  so an upgrade of Wagtail that changes them fails here instead of silently going stale.
- /_util/login/ (Wagtail's sign-in for private pages) is the site's own page: base.html, labelled
  fields, one h1, the strict policy, no inline style or script; signing in reaches the page.
  In headless chromium: no axe violation at phone and desktop widths, before and after a wrong
  password, and no CSP violation.
"""

import json
import re
from pathlib import Path

import pytest
import wagtail
from axe_playwright_python.sync_playwright import Axe
from bs4 import BeautifulSoup, Comment
from django.contrib.auth.models import Group
from django.core import mail
from playwright.sync_api import expect
from wagtail.models import PageViewRestriction

from dei_portal.accounts import security

from .test_browser import AXE_OPTIONS, describe
from .test_email_links import signed_in, submit
from .test_security import EVENT_HANDLER, INLINE_SCRIPT, INLINE_STYLE
from .test_security_browser import WATCH

ROOT = Path(__file__).resolve().parent.parent
WAGTAIL_TEMPLATES = Path(wagtail.__file__).parent / "admin" / "templates"
SITE = "Diversity, Equity & Inclusion"
PASSWORD = "long-enough-password-1"


def visible_text(html):
    """What a person reads or hears: text (not comments, scripts or <noscript>), plus accessible
    names given in aria-label, alt and title attributes."""
    soup = BeautifulSoup(html, "html.parser")
    for node in soup.find_all(["script", "style", "noscript"]):
        node.decompose()
    for comment in soup.find_all(string=lambda s: isinstance(s, Comment)):
        comment.extract()
    names = [el.get(attr) for attr in ("aria-label", "alt", "title") for el in soup.find_all(attrs={attr: True})]
    return " ".join([soup.get_text(" ", strip=True), *names])


def assert_no_wagtail_branding(html):
    text = visible_text(html)
    assert "wagtail" not in text.lower(), re.findall(r".{0,60}wagtail.{0,60}", text, flags=re.IGNORECASE)
    soup = BeautifulSoup(html, "html.parser")
    assert not soup.select("svg.icon-wagtail"), "Wagtail's bird"
    assert not soup.select('img[src*="wagtailadmin/images"], link[href*="wagtailadmin/images/favicon"]')


# --- The admin ---------------------------------------------------------------------------------


def test_sign_in_page_shows_the_office_mark_and_name(client, db):
    html = client.get("/admin/login/").content.decode()
    soup = BeautifulSoup(html, "html.parser")
    assert soup.h1.get_text(strip=True) == f"Sign in to the {SITE} admin"
    mark = soup.select_one(".login-logo svg.dei-admin-mark")
    assert mark is not None and mark["aria-hidden"] == "true"
    assert_no_wagtail_branding(html)


def test_sidebar_favicon_and_title_are_the_offices(editor):
    html = signed_in(editor).get("/admin/").content.decode()
    soup = BeautifulSoup(html, "html.parser")
    # The sidebar draws what this <template> holds in its dashboard link, instead of the bird.
    logo = soup.select_one("template[data-wagtail-sidebar-branding-logo]")
    assert logo is not None and logo.select_one("svg.dei-admin-mark") is not None
    assert [link["href"] for link in soup.select('link[rel~="icon"]')] == ["/static/img/favicon.svg"]
    assert soup.title.get_text(strip=True) == f"Dashboard - {SITE} admin"
    assert not soup.select("svg.icon-wagtail")


def sidebar_menu(html):
    """The sidebar's menus, as Wagtail hands them to its script: {submenu name: [(label, url)]},
    the main menu under ""."""
    props = json.loads(BeautifulSoup(html, "html.parser").select_one("#wagtail-sidebar-props").get_text())
    menus = {}

    def walk(items, into):
        for item in items:
            kind, (args, *rest) = item["_type"], item["_args"]
            if kind == "wagtail.sidebar.SubMenuItem":
                walk(rest[0], args["name"])
            elif kind == "wagtail.sidebar.LinkMenuItem":
                menus.setdefault(into, []).append((args["label"], args["url"]))

    for module in props["modules"]:
        if module["_type"] == "wagtail.sidebar.MainMenuModule":
            walk(module["_args"][0], "")
    return menus


def test_help_menu_leads_to_the_offices_editor_guide(editor):
    client = signed_in(editor)
    html = client.get("/admin/pages/").content.decode()
    menus = sidebar_menu(html)
    assert ("Editor guide", "/admin/guide/") in menus["help"]
    assert [label for label, _ in menus["help"]] == ["Editor guide", "Shortcuts"], menus["help"]
    props = BeautifulSoup(html, "html.parser").select_one("#wagtail-sidebar-props").get_text()
    assert "guide.wagtail.org" not in props
    guide = client.get("/admin/guide/")
    assert guide.status_code == 200 and '<h2 id="roles">Roles</h2>' in guide.content.decode()


def test_dashboard_guide_link_is_the_offices_guide(editor):
    """The dashboard's account summary links the office's guide, not Wagtail's on another site."""
    soup = BeautifulSoup(signed_in(editor).get("/admin/").content.decode(), "html.parser")
    links = {a.get_text(strip=True): a["href"] for a in soup.select("main a[href]")}
    assert links.get("Editor guide") == "/admin/guide/", links
    assert not [href for href in links.values() if "guide.wagtail.org" in href]


def test_userbar_on_the_live_site_names_no_wagtail(editor, tree):
    html = signed_in(editor).get(tree["office"].url).content.decode()
    soup = BeautifulSoup(html, "html.parser")
    template = soup.select_one("#wagtail-userbar-template")
    assert template is not None
    # What the userbar's script puts on the page: the <template>'s contents (parsed on their own:
    # BeautifulSoup keeps a <template>'s text apart from the document's).
    userbar = BeautifulSoup(template.decode_contents(), "html.parser")
    trigger = userbar.select_one("#wagtail-userbar-trigger")
    assert trigger.get_text(" ", strip=True) == "View quick actions"
    assert trigger.select_one("svg.dei-admin-mark.w-userbar-icon") is not None
    assert "Go to the admin" in userbar.get_text(" ", strip=True)
    assert_no_wagtail_branding(str(userbar))


def test_admins_page_not_found_names_no_wagtail(editor):
    response = signed_in(editor).get("/admin/no-such-thing/")
    assert response.status_code == 404
    html = response.content.decode()
    soup = BeautifulSoup(html, "html.parser")
    assert soup.select_one(".page404__logo svg.dei-admin-mark") is not None
    assert soup.select_one("a.page404__button").get_text(strip=True) == "Go to the admin"
    assert_no_wagtail_branding(html)


def test_html_notification_emails_open_with_the_site_name(settings, tree, editor, moderator):
    settings.WAGTAILADMIN_NOTIFICATION_USE_HTML = True
    submit(editor, tree["office"])
    (to_moderator,) = [m for m in mail.outbox if moderator.email in m.to]
    html = to_moderator.alternatives[0][0]
    soup = BeautifulSoup(html, "html.parser")
    banner = soup.select_one('table[bgcolor="#a51417"]')
    assert banner is not None and banner.get_text(strip=True) == SITE
    assert "email-header.jpg" not in html
    assert "wagtail" not in visible_text(html).lower()


# Copies of Wagtail's templates: (our template, Wagtail's, the changes made to Wagtail's text).
COPIES = [
    ("wagtailadmin/userbar/base.html", [("{% trans 'View Wagtail quick actions' %}", "View quick actions")]),
    ("wagtailadmin/userbar/item_admin.html", [("{% trans 'Go to Wagtail admin' %}", "Go to the admin")]),
    (
        "wagtailadmin/404.html",
        [
            ('{% trans "Go to Wagtail admin" %}', "Go to the admin"),
            ('{% include "wagtailadmin/logo.html" %}', '{% include "wagtailadmin/logo.html" with size="160" %}'),
        ],
    ),
]


@pytest.mark.parametrize("name, changes", COPIES, ids=[name for name, _ in COPIES])
def test_copies_of_wagtails_templates_differ_only_in_their_wording(name, changes):
    theirs = (WAGTAIL_TEMPLATES / name).read_text()
    for old, new in changes:
        assert theirs.count(old) == 1, f"Wagtail's {name} changed: copy it again and reapply {old!r}"
        theirs = theirs.replace(old, new)
    ours = re.sub(
        r"{% comment %}.*?{% endcomment %}\n", "", (ROOT / "templates" / name).read_text(), count=1, flags=re.DOTALL
    )
    assert ours == theirs, f"templates/{name} is no longer Wagtail's with only the listed changes"


# --- The private-page sign-in (/_util/login/) ----------------------------------------------------


@pytest.fixture
def private(tree):
    """A page only signed-in people may see, and one only Moderators may see."""
    PageViewRestriction.objects.create(page=tree["standard"], restriction_type=PageViewRestriction.LOGIN)
    PageViewRestriction.objects.create(page=tree["statement"], restriction_type=PageViewRestriction.GROUPS).groups.set(
        [Group.objects.get(name="Moderators")]
    )
    return tree


def sign_in_page(response):
    html = response.content.decode()
    return html, BeautifulSoup(html, "html.parser")


def test_a_private_page_sends_visitors_to_the_sites_own_sign_in_page(client, private, django_user_model):
    page = private["standard"]
    response = client.get(page.url, follow=True)
    assert response.redirect_chain == [(f"/_util/login/?next={page.url}", 302)]
    assert "base.html" in [t.name for t in response.templates] and "wagtailcore/login.html" in [
        t.name for t in response.templates
    ]
    html, soup = sign_in_page(response)
    assert [h.get_text(strip=True) for h in soup.select("h1")] == ["Sign in"]
    assert soup.title.get_text(strip=True) == f"Sign in | {SITE}"
    assert soup.select_one("header.site-header") and soup.select_one("main#main-content") and soup.select_one("footer")
    assert soup.select_one('meta[name="robots"]')["content"] == "noindex"
    form = soup.select_one("main form[method=post]")
    assert form["action"] == "/_util/login/" and form.select_one("[name=next]")["value"] == page.url
    for name, label in (("username", "Username"), ("password", "Password")):
        field = form.select_one(f"[name={name}]")
        assert form.select_one(f'label[for="{field["id"]}"]').get_text(strip=True) == label
    assert form.select_one("button[type=submit]").get_text(strip=True) == "Sign in"
    # The public site's strict policy, and nothing on the page it would block.
    assert response["Content-Security-Policy"] == security.public_policy()
    for pattern in (INLINE_SCRIPT, INLINE_STYLE, EVENT_HANDLER):
        assert not pattern.search(html), pattern.pattern
    # The reset link is real.
    assert client.get(soup.find("a", string="Forgotten your password?")["href"]).status_code == 200

    django_user_model.objects.create_user("visitor", "visitor@example.edu", PASSWORD)
    wrong = client.post("/_util/login/", {"username": "visitor", "password": "not-it", "next": page.url})
    _, soup = sign_in_page(wrong)
    assert wrong.status_code == 200
    assert "Please enter a correct username and password" in soup.select_one('[role="alert"]').get_text()
    assert soup.select_one("[name=username]")["value"] == "visitor"
    right = client.post("/_util/login/", {"username": "visitor", "password": PASSWORD, "next": page.url}, follow=True)
    assert right.redirect_chain == [(page.url, 302)] and right.context["page"].pk == page.pk


def test_signed_in_without_access_says_so(client, private, django_user_model):
    visitor = django_user_model.objects.create_user("visitor", "visitor@example.edu", PASSWORD)
    client.force_login(visitor)
    statement = private["statement"]
    response = client.get(statement.url, follow=True)
    _, soup = sign_in_page(response)
    assert response.redirect_chain[-1][0].startswith("/_util/login/")
    assert "You are signed in as visitor, but this account cannot see the page you asked for" in soup.main.get_text(
        " ", strip=True
    )


def test_missing_fields_are_marked_and_described(client, db):
    response = client.post("/_util/login/", {"username": "", "password": ""})
    _, soup = sign_in_page(response)
    for name in ("username", "password"):
        field = soup.select_one(f"[name={name}]")
        assert field["aria-invalid"] == "true"
        error = soup.select_one(f"#{field['aria-describedby']}")
        assert error is not None and error.get_text(strip=True) == "This field is required."


# --- In a browser: axe and the policy ------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.parametrize("width", [375, 1280])
def test_private_page_sign_in_has_no_axe_or_csp_violations(site_url, browser, width, django_user_model):
    from dei_portal.models import StandardPage

    page_model = StandardPage.objects.live().first()
    PageViewRestriction.objects.create(page=page_model, restriction_type=PageViewRestriction.LOGIN)
    django_user_model.objects.create_user("visitor", "visitor@example.edu", PASSWORD)

    context = browser.new_context(viewport={"width": width, "height": 900})
    context.set_default_timeout(15_000)
    context.add_init_script(WATCH)
    try:
        page = context.new_page()
        console = []
        page.on("console", lambda message: console.append((message.type, message.text)))
        page.goto(site_url + page_model.url)
        expect(page).to_have_url(re.compile(r"/_util/login/\?next="))
        expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
        problems = describe("/_util/login/", width, Axe().run(page, options=AXE_OPTIONS).response["violations"])
        assert not problems, "\n".join(problems)

        page.get_by_label("Username").fill("visitor")
        page.get_by_label("Password").fill("not-the-password")
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("alert")).to_contain_text("Please enter a correct username and password")
        problems = describe(
            "/_util/login/ (wrong password)", width, Axe().run(page, options=AXE_OPTIONS).response["violations"]
        )
        assert not problems, "\n".join(problems)

        # The site's stylesheet applies (base.html's look), with no policy violation on the way.
        assert page.locator("body").evaluate("b => getComputedStyle(b).fontFamily").startswith('"Liberation Sans"')
        assert page.evaluate("window.__violations") == []
        assert not [text for kind, text in console if kind == "error" and "Content Security Policy" in text]

        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page).to_have_url(site_url + page_model.url)
        expect(page.get_by_role("heading", level=1)).to_have_text(page_model.title)
    finally:
        context.close()
