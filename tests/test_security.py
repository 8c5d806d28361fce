"""Attack tests, from the attacker's side: what a hostile editor, visitor or site must NOT achieve.

- Security headers (dei_portal/accounts/security.py) on every kind of response: pages, cached pages,
  404s, static files, feeds, the admin; the public Content-Security-Policy is strict, the
  admin's is its own; the policy is configurable and production adds upgrade-insecure-requests.
- No public template or page has inline executable script, inline event handlers or inline
  styles (which the public policy would block anyway).
- Script in every text, rich-text and URL field never reaches a public page as markup:
  ``javascript:``/``data:`` links (also obfuscated) are refused or dropped, markup is escaped.
- A forged Host header is refused; ``next=`` never sends anyone off-site; admin POSTs without
  a CSRF token are refused.
- Drafts, private pages and private documents never reach anonymous visitors by URL, the
  page cache or an API (listings, search, sitemap and feeds: tests/test_discoverability.py).

What only a browser can prove (nothing executes, the policy breaks nothing) is in
tests/test_security_browser.py.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import Group
from django.core import mail
from django.core.files.base import ContentFile
from django.test import Client, override_settings
from django.urls import reverse
from wagtail.admin.rich_text.converters.contentstate import ContentstateConverter
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.images.tests.utils import get_test_image_file
from wagtail.models import Collection, CollectionViewRestriction, PageViewRestriction, Site
from wagtail.test.utils.form_data import streamfield

from announcements.models import SiteNotice
from dei_portal.accounts import security
from dei_portal.core.blocks import PARAGRAPH_FEATURES, LinkBlock, SocialLinkBlock
from dei_portal.models import FooterSettings, NavigationSettings, StatementPoster
from offices.models import OfficePage
from tests.conftest import login_verified, sitemap_locs
from tests.conftest import office_form as shared_office_form
from tests.factories.announcements import AnnouncementPageFactory
from tests.factories.site import StandardPageFactory

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "a-long-and-correct-passphrase-42"

# --- Payloads --------------------------------------------------------------------------

# Markup that would run script if it reached the page as HTML. Each sets window.__pwned and
# calls alert(), which the browser tests watch for. The quote and bracket first try to end
# an attribute or a tag the value is written into.
PAYLOAD = (
    "\"'><script>window.__pwned=1;alert(1)</script>"
    '<img src=x onerror="window.__pwned=1;alert(1)">'
    '<svg onload="window.__pwned=1;alert(1)"></svg>'
)
# The same attack within 40 characters, for short fields (phone numbers, link text).
SHORT = '"><img src=x onerror=__pwned=1,alert(1)>'
assert len(SHORT) <= 40

# Addresses that run script (or open a document that does) when followed, as typed, with
# the usual obfuscations: letter case, a tab inside, leading spaces or control characters,
# entity-encoded letters, data: documents.
SCRIPT_URLS = [
    "javascript:window.__pwned=1;alert(1)",
    "JaVaScRiPt:window.__pwned=1;alert(1)",
    "java\tscript:window.__pwned=1;alert(1)",
    "java\nscript:window.__pwned=1;alert(1)",
    "   javascript:window.__pwned=1;alert(1)",
    "\x01javascript:window.__pwned=1;alert(1)",
    "&#106;avascript:window.__pwned=1;alert(1)",
    "&#x6A;avascript&colon;window.__pwned=1;alert(1)",
    "javascript://example.org/%0Awindow.__pwned=1;alert(1)",
    "data:text/html,<script>window.__pwned=1;alert(1)</script>",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "vbscript:msgbox(1)",
]

DANGEROUS_SCHEME = re.compile(r"^(javascript|vbscript|data):", re.IGNORECASE)
URL_ATTRIBUTES = ("href", "src", "action", "formaction", "xlink:href", "poster", "data", "srcset", "content")


def browser_url(value):
    """An attribute value as a browser reads a URL: leading/trailing C0 controls and spaces
    stripped, tabs and newlines removed anywhere."""
    return re.sub(
        r"[\t\n\r]",
        "",
        value.strip(
            "\x00\x01\x02\x03\x04\x05\x06\x07\x08\t\n\x0b\x0c\r\x0e\x0f"
            "\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f "
        ),
    )


def contentstate(text, urls):
    """Draftail's submitted value (contentstate JSON): a paragraph of `text`, then one
    paragraph per URL with a link to it. What an attacker posts instead of the editor UI."""
    blocks = [
        {
            "key": "t0000",
            "type": "unstyled",
            "depth": 0,
            "text": text,
            "inlineStyleRanges": [],
            "entityRanges": [],
            "data": {},
        }
    ]
    entities = {}
    for number, url in enumerate(urls):
        blocks.append(
            {
                "key": f"l{number:04d}",
                "type": "unstyled",
                "depth": 0,
                "text": f"link {number}",
                "inlineStyleRanges": [],
                "entityRanges": [{"offset": 0, "length": 6, "key": number}],
                "data": {},
            }
        )
        entities[str(number)] = {"type": "LINK", "mutability": "MUTABLE", "data": {"url": url}}
    return json.dumps({"blocks": blocks, "entityMap": entities})


def hostile_rich_text(text=PAYLOAD):
    """Rich text as the admin stores it from a hostile contentstate submission (the same
    converter the Draftail widget runs on every save)."""
    return ContentstateConverter(PARAGRAPH_FEATURES).to_database_format(contentstate(text, SCRIPT_URLS))


def soup(response_or_html):
    html = response_or_html if isinstance(response_or_html, str) else response_or_html.content.decode()
    return BeautifulSoup(html, "html.parser")


def script_problems(html):
    """Everything in a page that could run script: [] for a safe page."""
    page = soup(html)
    problems = []
    for element in page.find_all(True):
        for name, value in element.attrs.items():
            if name.lower().startswith("on"):
                problems.append(f"<{element.name} {name}=…> event handler")
            if name.lower() in URL_ATTRIBUTES:
                values = value if isinstance(value, list) else [value]
                for item in values:
                    if name.lower() == "content" and not DANGEROUS_SCHEME.match(browser_url(item)):
                        continue
                    if DANGEROUS_SCHEME.match(browser_url(item)):
                        problems.append(f"<{element.name} {name}={item!r}>")
    for script in page.find_all("script"):
        if script.get("src"):
            if script.string and script.string.strip():
                problems.append("a <script src> with inline content")
        elif script.get("type") != "application/ld+json":
            problems.append(f"inline <script>: {script}"[:200])
        else:
            json.loads(script.string)  # data, and well-formed: editor text did not break out
    for tag in ("iframe", "object", "embed", "base", "svg", "style", "form"):
        for element in page.find_all(tag):
            if tag == "form" and element.get("action") in ("/search/",):
                continue
            if tag == "svg" and element.find_parent("wagtail-userbar"):
                continue
            problems.append(f"<{tag}> element: {str(element)[:120]}")
    if page.find("img", src="x"):
        problems.append("the payload's <img src=x> is an element")
    return problems


# --- Security headers ---------------------------------------------------------------------

COMMON_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Cross-Origin-Opener-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def directives(policy):
    parsed = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            parsed[words[0]] = words[1:]
    return parsed


def assert_public_headers(response):
    for name, value in COMMON_HEADERS.items():
        assert response.get(name) == value, (name, response.get(name))
    assert response.get("Referrer-Policy") in ("same-origin", "strict-origin-when-cross-origin")
    permissions = response["Permissions-Policy"]
    for feature in ("camera", "microphone", "geolocation", "payment", "usb", "browsing-topics"):
        assert f"{feature}=()" in permissions
    policy = directives(response["Content-Security-Policy"])
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["img-src"] == ["'self'", "data:"]
    assert "unsafe" not in response["Content-Security-Policy"]
    return policy


@pytest.mark.parametrize(
    "url, status",
    [
        ("/", 200),
        ("/offices/office-of-diversity-programs/", 200),
        ("/statements/the-deans-commitment/", 200),
        ("/search/?query=equity", 200),
        ("/no-such-page/", 404),
        ("/static/css/site.css", 200),
        ("/static/js/notices.js", 200),
        ("/announcements/feed/rss/", 200),
        ("/announcements/events.ics", 200),
        ("/sitemap.xml", 200),
        ("/robots.txt", 200),
    ],
)
def test_public_responses_carry_the_strict_policy_and_the_other_headers(client, tree, url, status):
    response = client.get(url)
    assert response.status_code == status
    assert_public_headers(response)


def test_cached_pages_carry_the_headers_too(client, tree, cached):
    for _ in range(3):
        response = client.get("/offices/")
        if response.get("X-Cache") == "HIT":
            break
    assert response["X-Cache"] == "HIT"
    assert_public_headers(response)
    # The cache stores no policy of its own: a changed policy applies to cached pages at once.
    with override_settings(CSP_REPORT_URI="/csp-reports/"):
        again = client.get("/offices/")
        assert again["X-Cache"] == "HIT"
        assert directives(again["Content-Security-Policy"])["report-uri"] == ["/csp-reports/"]


def test_a_304_revalidation_carries_the_headers(client, tree, cached):
    etag = client.get("/offices/")["ETag"]
    response = client.get("/offices/", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304
    assert_public_headers(response)


@pytest.mark.parametrize("url", ["/admin/login/", "/admin/password_reset/", "/admin-2fa/verify/"])
def test_admin_pages_have_their_own_policy(client, db, url):
    response = client.get(url)
    for name, value in COMMON_HEADERS.items():
        assert response.get(name) == value, name
    assert "camera=()" in response["Permissions-Policy"]
    policy = directives(response["Content-Security-Policy"])
    # What Wagtail's admin needs (inline scripts and styles; no nonce support) ...
    assert policy["script-src"] == ["'self'", "'unsafe-inline'"]
    assert policy["style-src"] == ["'self'", "'unsafe-inline'"]
    # ... and nothing more: no eval, no plugins, no other sites, framed only by itself (previews).
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'self'"]
    assert policy["connect-src"] == ["'self'"]


def test_the_admin_preview_of_a_page_gets_the_admin_policy(client, tree, superuser):
    """Wagtail renders previews through the middleware with a dummy request for the page's own
    URL; the public policy (frame-ancestors 'none') would stop the admin showing it."""
    login_verified(client, superuser)
    office = tree["office"]
    response = client.get(reverse("wagtailadmin_pages:view_draft", args=[office.pk]))
    assert response.status_code == 200 and b"Office of Diversity Programs" in response.content
    assert directives(response["Content-Security-Policy"])["frame-ancestors"] == ["'self'"]


def test_documents_keep_wagtails_stricter_policy(client, db):
    document = get_document_model().objects.create(
        title="Poster", file=ContentFile(b"%PDF-1.4 poster", name="poster.pdf")
    )
    response = client.get(document.url)
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == "default-src 'none'"
    assert response["X-Content-Type-Options"] == "nosniff" and response["X-Frame-Options"] == "DENY"


def test_policy_is_configurable_but_strict_by_default(client, tree, settings):
    assert client.get("/")["Content-Security-Policy"] == security.public_policy()
    assert client.get("/admin/login/")["Content-Security-Policy"] == security.admin_policy()
    settings.CSP_EXTRA_SOURCES = {"img-src": ["https://images.example.org"], "connect-src": "https://api.example.org"}
    settings.CSP_REPORT_URI = "https://reports.example.org/csp"
    settings.MEDIA_URL = "https://media.example.org/media/"
    settings.STATIC_URL = "https://static.example.org/static/"
    policy = directives(client.get("/")["Content-Security-Policy"])
    assert policy["img-src"] == [
        "'self'",
        "data:",
        "https://static.example.org",
        "https://media.example.org",
        "https://images.example.org",
    ]
    assert policy["media-src"] == ["'self'", "https://media.example.org"]
    assert policy["script-src"] == ["'self'", "https://static.example.org"]
    assert policy["connect-src"] == ["'self'", "https://api.example.org"]
    assert policy["report-uri"] == ["https://reports.example.org/csp"]
    settings.CSP_REPORT_ONLY = True
    response = client.get("/")
    assert "Content-Security-Policy" not in response and response.has_header("Content-Security-Policy-Report-Only")


def test_production_adds_upgrade_insecure_requests_and_keeps_the_rest():
    """Production settings (subprocess: they read the environment at import). That production
    refuses to start without SECRET_KEY, ALLOWED_HOSTS and DATABASE_URL, and passes
    `check --deploy`, is tested in tests/test_settings.py."""
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"}}
    env.update(
        DJANGO_SETTINGS_MODULE="dei_portal.settings.production",
        SECRET_KEY="k" * 20 + "-a-long-random-production-secret-value-0123456789",
        ALLOWED_HOSTS="dei.example.edu",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/postgres",
        WAGTAILADMIN_BASE_URL="https://dei.example.edu",
    )
    code = (
        "import django;django.setup();from django.conf import settings;from dei_portal.accounts import security;"
        "print(security.public_policy());print(security.admin_policy());"
        "m=settings.MIDDLEWARE;print(*[m.index(n) for n in ('django.middleware.security.SecurityMiddleware',"
        "'dei_portal.accounts.security.SecurityHeadersMiddleware','whitenoise.middleware.WhiteNoiseMiddleware',"
        "'dei_portal.core.cache.AnonymousPageCacheMiddleware')]);"
        "print(settings.SECURE_HSTS_SECONDS, settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    public, admin, order, cookies = result.stdout.strip().splitlines()[-4:]
    assert public.endswith("upgrade-insecure-requests") and admin.endswith("upgrade-insecure-requests")
    assert "unsafe" not in public
    # Right after SecurityMiddleware: before WhiteNoise and the page cache.
    django_security, ours, whitenoise, page_cache = map(int, order.split())
    assert ours == django_security + 1 and ours < whitenoise < page_cache
    assert cookies == "31536000 True True"


# --- No inline script, event handlers or styles in public templates ----------------------

PUBLIC_TEMPLATES = sorted(
    path
    for path in (ROOT / "templates").rglob("*.html")
    if path.relative_to(ROOT / "templates").parts[0] not in ("two_factor",)  # admin pages: admin policy
)
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*type=\"application/ld\+json\")[^>]*>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style\b|<[a-z][^>]*\sstyle\s*=", re.IGNORECASE)


def test_public_templates_exist_to_check():
    names = {str(path.relative_to(ROOT / "templates")) for path in PUBLIC_TEMPLATES}
    assert {"base.html", "dei_portal/statement_page.html", "includes/structured_data.html"} <= names


@pytest.mark.parametrize("path", PUBLIC_TEMPLATES, ids=lambda p: str(p.relative_to(ROOT / "templates")))
def test_no_public_template_has_inline_script_event_handlers_or_styles(path):
    """The public policy blocks these; caching rules out nonces. Use a file in static/js and
    data-* attributes (as notices.js and embed.js do), and classes in static/css/site.css."""
    text = re.sub(r"{% comment %}.*?{% endcomment %}|{#.*?#}", "", path.read_text(), flags=re.DOTALL)
    assert not INLINE_SCRIPT.search(text), f"inline <script> in {path.name}"
    assert not EVENT_HANDLER.search(text), f"inline event handler in {path.name}"
    assert not INLINE_STYLE.search(text), f"inline style in {path.name}"
    assert "javascript:" not in text.lower()


def test_the_guard_catches_what_it_should():
    for bad in [
        "<script>alert(1)</script>",
        '<script type="module">x()</script>',
        '<button onclick="x()">',
        '<a href="#" ONMOUSEOVER = "x()">',
    ]:
        assert INLINE_SCRIPT.search(bad) or EVENT_HANDLER.search(bad), bad
    for bad in ['<p style="color:red">', "<style>p{}</style>"]:
        assert INLINE_STYLE.search(bad), bad
    for good in [
        '<script src="/static/js/notices.js" defer></script>',
        '<script type="application/ld+json">{}</script>',
        "<button data-notice-close hidden>",
        '<p class="lead">',
    ]:
        assert not (INLINE_SCRIPT.search(good) or EVENT_HANDLER.search(good) or INLINE_STYLE.search(good)), good
    assert script_problems('<p><a href=" java\tscript:alert(1)">x</a></p>')
    assert script_problems('<img src="x" onerror="alert(1)">')
    assert script_problems("<script>alert(1)</script>")
    assert not script_problems('<p><a href="&amp;#106;avascript:alert(1)">a relative link</a></p>')


@pytest.mark.parametrize(
    "key",
    [
        "home",
        "offices",
        "office",
        "organizations",
        "organization",
        "statements",
        "statement",
        "announcements",
        "announcement",
        "standard",
    ],
)
def test_every_page_type_renders_without_inline_script(client, tree, key):
    response = client.get(tree[key].url)
    assert response.status_code == 200
    assert script_problems(response) == []
    assert "style=" not in response.content.decode()


# --- Hostile content in every field -------------------------------------------------------


@pytest.fixture
def hostile(tree):
    """Script in every editor-written field of every page type, notice, setting and taxonomy.

    Plain-text fields hold the payload as typed (the admin stores what is typed). Rich text
    and rich-text blocks hold what the Draftail converter makes of a hostile submission.
    URL fields cannot hold a script address (refused on save, see the tests below), so they
    hold a valid one; the browser tests also try them written straight to the database.
    """
    rich = hostile_rich_text()
    image = get_image_model().objects.create(
        title=PAYLOAD[:255], description=PAYLOAD, file=get_test_image_file(size=(1200, 700))
    )
    document = get_document_model().objects.create(
        title=PAYLOAD[:255], file=ContentFile(b"%PDF-1.4 poster", name="poster.pdf")
    )

    def link(text=SHORT):
        return {"text": text, "page": None, "url": "https://example.edu/?q=%22%3E%3Cscript%3E"}

    def picture():
        return {"image": image.pk, "alt_text": PAYLOAD, "decorative": False}

    def body():
        # StreamField's stored (JSON) form, as the admin form saves it.
        return [
            {"type": "heading", "value": {"text": PAYLOAD[:120], "level": "h2"}},
            {"type": "paragraph", "value": rich},
            {"type": "quote", "value": {"quote": PAYLOAD, "attribution": PAYLOAD[:120]}},
            {"type": "call_to_action", "value": link(PAYLOAD[:120])},
            {"type": "figure", "value": {"image": picture(), "caption": PAYLOAD}},
            {"type": "download", "value": {"document": document.pk, "text": PAYLOAD[:120]}},
        ]

    site = Site.objects.get(is_default_site=True)
    site.site_name = PAYLOAD
    site.save()
    pages = {
        key: tree[key]
        for key in (
            "home",
            "offices",
            "office",
            "organizations",
            "organization",
            "statements",
            "statement",
            "announcements",
            "announcement",
            "standard",
        )
    }
    for page in pages.values():
        page.title = f"Hostile {page.title} {PAYLOAD}"
        page.seo_title = PAYLOAD
        page.search_description = PAYLOAD
        page.summary = PAYLOAD
        page.share_image = image
        page.listing_image = image
        if hasattr(page, "body"):
            page.body = body()
    home = pages["home"]
    home.intro = PAYLOAD
    home.network_heading = PAYLOAD[:120]
    home.network_intro = PAYLOAD
    home.organizations_heading = PAYLOAD[:120]
    home.commitments_heading = PAYLOAD[:120]
    home.commitments_intro = PAYLOAD
    home.values_body = body() + [
        {
            "type": "welcome_statement",
            "value": {"graphic": picture(), "statement": PAYLOAD, "how_to_post": link(), "poster": document.pk},
        }
    ]
    for key in ("offices", "organizations", "statements", "announcements"):
        pages[key].intro = rich
    statement = pages["statement"]
    statement.issued_by = PAYLOAD[:200]
    statement.excerpt = PAYLOAD
    statement.posting_instructions = rich
    statement.show_on_home = True
    StatementPoster.objects.create(page=statement, document=document, label=PAYLOAD[:100])
    for key in ("office", "organization"):
        pages[key].website = "https://example.edu/?q=%22%3E%3Cscript%3E"
        pages[key].phone = SHORT
        if hasattr(pages[key], "location"):
            pages[key].location = PAYLOAD[:200]
    pages["announcement"].event_location = PAYLOAD[:200]
    for page in pages.values():
        page.save_revision().publish()
    for audience in (tree["md"], tree["students"]):
        audience.heading = PAYLOAD[:200]
        audience.save()
    category = pages["announcement"].category
    category.name = PAYLOAD[:80]
    category.save()

    notice = tree["notice"]
    notice.heading = SHORT
    notice.text = PAYLOAD
    notice.link_url = "https://example.edu/?q=%22%3E%3Cscript%3E"
    notice.link_text = SHORT
    notice.save()
    SiteNotice.objects.filter(pk=notice.pk).update(live=True)
    nav = NavigationSettings.for_site(site)
    nav.primary_menu = [
        {"type": "link", "value": {"text": SHORT, "page": pages["offices"].pk, "url": ""}},
        {"type": "link", "value": link()},
    ]
    nav.save()
    footer = FooterSettings.for_site(site)
    footer.contact_heading = PAYLOAD[:120]
    footer.address = PAYLOAD
    footer.phone = SHORT
    footer.social_links = [
        {"type": "social", "value": {"platform": "instagram", "url": "https://www.instagram.com/?q=%22%3E"}}
    ]
    footer.legal_links = [{"type": "link", "value": link()}]
    footer.save()
    return {**tree, **pages, "image": image, "document": document}


HOSTILE_PAGES = [
    "home",
    "offices",
    "office",
    "organizations",
    "organization",
    "statements",
    "statement",
    "announcements",
    "announcement",
    "standard",
]


@pytest.mark.parametrize("key", HOSTILE_PAGES)
def test_script_in_every_field_is_text_on_every_page(client, hostile, key):
    page = hostile[key]
    response = client.get(page.url)
    assert response.status_code == 200
    html = response.content.decode()
    assert script_problems(html) == []
    assert "<script>window.__pwned" not in html and "<img src=x" not in html and "<svg onload" not in html
    # Escaped, not dropped: the words show as text (so the test would see them as markup).
    assert "<script>window.__pwned=1;alert(1)</script>" in soup(html).find("h1").get_text()
    assert "&lt;script&gt;window.__pwned" in html
    # Every script address in the rich text lost its href (or stayed a harmless relative text).
    links = [a.get("href") for a in soup(html).select(".rich-text a")]
    assert len(links) >= len(SCRIPT_URLS), "the rich text with the links should be on this page"
    assert all(href is None or not DANGEROUS_SCHEME.match(browser_url(href)) for href in links), links


def test_script_in_search_results_feeds_and_sitemap_is_escaped(client, hostile):
    response = client.get("/search/", {"query": "Hostile"})
    assert "Hostile" in soup(response).select_one("ol.search-results").get_text()
    assert script_problems(response) == []
    reflected = client.get("/search/", {"query": PAYLOAD})
    assert script_problems(reflected) == [] and "<script>window.__pwned" not in reflected.content.decode()
    for url in ("/announcements/feed/rss/", "/announcements/feed/atom/", "/sitemap.xml"):
        body = client.get(url).content
        assert b"<script" not in body and b"<img" not in body, url


def test_hostile_rich_text_keeps_no_script_address():
    html = hostile_rich_text()
    hrefs = [a.get("href") for a in soup(html).find_all("a")]
    assert len(hrefs) == len(SCRIPT_URLS)
    # Only the two entity-spelled ones keep an href, escaped: relative links to a harmless path.
    assert [h for h in hrefs if h] == [
        "&#106;avascript:window.__pwned=1;alert(1)",
        "&#x6A;avascript&colon;window.__pwned=1;alert(1)",
    ]
    assert "<script>" not in html and "&lt;script&gt;" in html


# --- URL fields refuse script addresses on save ------------------------------------------


@pytest.fixture
def editor(db, django_user_model):
    user = django_user_model.objects.create_user("edie", "edie@example.edu", PASSWORD)
    user.groups.add(Group.objects.get(name="Editors"))
    return user


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


def errors_of(response):
    page = soup(response)
    return " ".join(
        e.get_text(" ", strip=True) for e in page.select(".error-message, .help-critical, .w-field__errors")
    )


def office_form(audience, **overrides):
    return shared_office_form(
        audience, **{"summary": "Supports residents and fellows.", "body": streamfield([]), **overrides}
    )


@pytest.mark.parametrize("url", SCRIPT_URLS, ids=range(len(SCRIPT_URLS)))
def test_office_website_refuses_script_addresses(editor_client, tree, url):
    add = reverse("wagtailadmin_pages:add", args=["offices", "officepage", tree["offices"].pk])
    response = editor_client.post(add, {**office_form(tree["md"], website=url), "action-publish": "publish"})
    assert response.status_code == 200
    assert "Enter a valid URL" in errors_of(response)
    assert "website" in response.context["form"].errors
    assert not OfficePage.objects.filter(slug="graduate-medical-education").exists()


@pytest.mark.parametrize("url", SCRIPT_URLS, ids=range(len(SCRIPT_URLS)))
def test_call_to_action_in_a_body_refuses_script_addresses(editor_client, tree, url):
    add = reverse("wagtailadmin_pages:add", args=["offices", "officepage", tree["offices"].pk])
    body = streamfield([("call_to_action", {"text": "Visit", "page": "", "url": url})])
    response = editor_client.post(add, {**office_form(tree["md"], body=body), "action-publish": "publish"})
    assert response.status_code == 200
    # StreamField errors reach the page as data for the editor's script; the form has them.
    errors = response.context["form"].errors["body"].as_data()[0]
    assert "Enter a valid URL" in str(errors.block_errors[0].block_errors["url"].messages)
    assert not OfficePage.objects.filter(slug="graduate-medical-education").exists()


@pytest.mark.parametrize("url", SCRIPT_URLS, ids=range(len(SCRIPT_URLS)))
def test_notice_link_refuses_script_addresses(editor_client, db, url):
    add = reverse("wagtailsnippets_announcements_sitenotice:add")
    response = editor_client.post(add, {"heading": "Hello", "text": "World", "link_url": url, "link_text": "More"})
    assert response.status_code == 200
    assert "Enter a valid URL" in errors_of(response)
    assert not SiteNotice.objects.exists()


@pytest.mark.parametrize("block", [LinkBlock(), SocialLinkBlock()], ids=["menu-footer-and-link-blocks", "social-links"])
@pytest.mark.parametrize("url", SCRIPT_URLS, ids=range(len(SCRIPT_URLS)))
def test_link_blocks_of_menus_footers_and_the_welcome_statement_refuse_script_addresses(block, url):
    from wagtail.blocks.struct_block import StructBlockValidationError

    value = (
        {"text": "More", "page": None, "url": url} if isinstance(block, LinkBlock) else {"platform": "x", "url": url}
    )
    with pytest.raises(StructBlockValidationError) as error:
        block.clean(block.to_python(value))
    assert "Enter a valid URL" in str(error.value.block_errors["url"])
    good = {**value, "url": "https://example.edu/"}
    assert block.clean(block.to_python(good))["url"] == "https://example.edu/"


def test_rich_text_links_lose_script_addresses_when_saved_through_the_admin(client, tree, superuser):
    editor_client = login_verified(client, superuser)  # may publish
    add = reverse("wagtailadmin_pages:add", args=["offices", "officepage", tree["offices"].pk])
    body = streamfield([("paragraph", contentstate(PAYLOAD, SCRIPT_URLS))])
    response = editor_client.post(add, {**office_form(tree["md"], body=body), "action-publish": "publish"})
    assert response.status_code == 302, errors_of(response)
    office = OfficePage.objects.get(slug="graduate-medical-education")
    stored = office.body[0].value.source
    assert "javascript:" not in stored.lower().replace("&#106;avascript", "") and "data:" not in stored
    editor_client.logout()
    html = editor_client.get(office.url).content.decode()
    assert script_problems(html) == []
    assert "&lt;script&gt;window.__pwned" in html


# --- Forged Host, open redirects, CSRF ----------------------------------------------------


@pytest.mark.parametrize("url", ["/", "/offices/", "/admin/login/", "/no-such-page/", "/search/?query=x"])
def test_a_forged_host_header_is_refused(client, tree, url):
    response = client.get(url, HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert b"evil.example" not in response.content


def test_a_forged_host_is_refused_with_the_page_cache_on(client, tree, cached):
    for _ in range(3):
        if client.get("/offices/").get("X-Cache") == "HIT":
            break
    assert client.get("/offices/", HTTP_HOST="evil.example").status_code == 400
    assert client.get("/offices/", HTTP_X_FORWARDED_HOST="evil.example")["X-Cache"] == "HIT"  # not trusted


def test_password_reset_mail_cannot_be_pointed_at_another_host(client, editor):
    response = client.post("/admin/password_reset/", {"email": editor.email}, HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert mail.outbox == []


EVIL_NEXTS = [
    "https://evil.example/",
    "http://evil.example/admin/",
    "//evil.example/",
    "///evil.example/",
    "/\\evil.example/",
    "\\\\evil.example/",
    "/\\/evil.example/",
    " //evil.example/",
    "https:evil.example",
    "https://testserver@evil.example/",
    "http://testserver.evil.example/admin/",
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
]


def assert_on_site(url):
    normalized = browser_url(url).replace("\\", "/")
    parts = urlsplit(normalized)
    assert parts.scheme in ("", "http") and parts.netloc in ("", "testserver"), url
    assert not normalized.startswith("//"), url


@pytest.mark.parametrize("evil", EVIL_NEXTS)
def test_login_next_never_sends_an_editor_off_site(client, editor, evil):
    page = client.get("/admin/login/", {"next": evil})
    assert page.status_code == 200
    response = client.post("/admin/login/", {"username": "edie", "password": PASSWORD, "next": evil})
    assert response.status_code == 302
    assert_on_site(response["Location"])
    assert response["Location"] == "/admin/"
    # Already signed in: the login page with the same next still stays here.
    again = client.get("/admin/login/", {"next": evil})
    assert again.status_code in (200, 302)
    if again.status_code == 302:
        assert_on_site(again["Location"])


@pytest.mark.parametrize("evil", EVIL_NEXTS[:6])
def test_login_next_never_sends_a_superuser_off_site_through_the_two_factor_step(client, superuser, evil):
    """Password, then the two-factor setup page: every redirect on the way stays on this site.
    (The verify and setup pages' own `next` handling: tests/test_admin_security.py.)"""
    response = client.post(
        "/admin/login/", {"username": "siteadmin", "password": "long-enough-password-1", "next": evil}, follow=True
    )
    assert response.status_code == 200
    assert response.redirect_chain, "should have been redirected to the two-factor setup"
    for url, _status in response.redirect_chain:
        assert_on_site(url)
    assert response.request["PATH_INFO"] == "/admin-2fa/setup/"
    assert soup(response).select_one("input[name=next]")["value"] == "/admin/"


def test_the_login_page_escapes_a_hostile_next(client, db):
    html = client.get("/admin/login/", {"next": '"><script>alert(1)</script>'}).content.decode()
    assert "<script>alert(1)</script>" not in html


@pytest.fixture
def csrf_client(editor):
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    return client


def csrf_refused(response):
    return response.status_code == 403 and b"CSRF" in response.content


def test_admin_posts_without_a_csrf_token_are_refused(csrf_client, tree, editor):
    office = tree["office"]
    revisions = office.revisions.count()
    edit = reverse("wagtailadmin_pages:edit", args=[office.pk])
    data = office_form(tree["md"], title="Defaced", slug=office.slug, website=office.website)
    attempts = {
        "edit a page": (edit, data),
        "publish a page": (edit, {**data, "action-publish": "publish"}),
        "add a page": (
            reverse("wagtailadmin_pages:add", args=["offices", "officepage", tree["offices"].pk]),
            office_form(tree["md"]),
        ),
        "unpublish": (reverse("wagtailadmin_pages:unpublish", args=[office.pk]), {}),
        "delete": (reverse("wagtailadmin_pages:delete", args=[office.pk]), {}),
        "add a notice": (
            reverse("wagtailsnippets_announcements_sitenotice:add"),
            {"heading": "Defaced", "text": "Defaced", "link_url": "", "link_text": ""},
        ),
        "upload a document": (reverse("wagtaildocs:add"), {"title": "Defaced"}),
        "sign out": ("/admin/logout/", {}),
        "change own account": ("/admin/account/", {"password-old_password": PASSWORD}),
    }
    for name, (url, payload) in attempts.items():
        response = csrf_client.post(url, payload)
        assert csrf_refused(response), f"{name}: {response.status_code}"
    office.refresh_from_db()
    assert office.title == "Office of Diversity Programs" and office.live
    assert office.revisions.count() == revisions
    assert not SiteNotice.objects.filter(heading="Defaced").exists()
    assert csrf_client.get("/admin/").status_code == 200  # still signed in: sign-out was refused too

    # With a wrong token, or a token from another session: refused as well.
    csrf_client.get(edit)
    response = csrf_client.post(edit, {**data, "csrfmiddlewaretoken": "x" * 64})
    assert csrf_refused(response)
    stranger = Client(enforce_csrf_checks=True)
    stranger.get("/admin/login/")
    response = csrf_client.post(edit, {**data, "csrfmiddlewaretoken": stranger.cookies["csrftoken"].value})
    assert csrf_refused(response)
    assert office.revisions.count() == revisions

    # The control: the same request with this session's token goes through (a draft is saved).
    token = csrf_client.cookies["csrftoken"].value
    response = csrf_client.post(edit, {**data, "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert office.revisions.count() == revisions + 1
    office.refresh_from_db()
    assert office.get_latest_revision_as_object().title == "Defaced"


def test_login_and_two_factor_posts_without_a_csrf_token_are_refused(db, superuser):
    client = Client(enforce_csrf_checks=True)
    assert csrf_refused(client.post("/admin/login/", {"username": "siteadmin", "password": "long-enough-password-1"}))
    client.force_login(superuser)
    assert csrf_refused(client.post("/admin-2fa/setup/", {"token": "123456"}))


# --- Drafts, private pages and private documents ------------------------------------------


@pytest.fixture
def private(tree):
    offices = tree["offices"]
    draft = StandardPageFactory(parent=tree["home"], title="Zebra draft page", live=False)
    draft.save_revision()
    login_page = AnnouncementPageFactory(
        parent=tree["announcements"], title="Zebra members only", summary="Zebra secret summary."
    )
    PageViewRestriction.objects.create(page=login_page, restriction_type=PageViewRestriction.LOGIN)
    password_page = StandardPageFactory(
        parent=tree["home"], title="Zebra password page", summary="Zebra secret summary."
    )
    password_restriction = PageViewRestriction.objects.create(
        page=password_page, restriction_type=PageViewRestriction.PASSWORD, password="letmein-please"
    )
    child = StandardPageFactory(parent=password_page, title="Zebra password child")  # private through its parent
    group_page = StandardPageFactory(parent=tree["home"], title="Zebra group page")
    group_restriction = PageViewRestriction.objects.create(page=group_page, restriction_type=PageViewRestriction.GROUPS)
    group_restriction.groups.add(Group.objects.create(name="Zebra members"))

    root = Collection.get_first_root_node()
    documents = {}
    for kind in (CollectionViewRestriction.LOGIN, CollectionViewRestriction.PASSWORD, CollectionViewRestriction.GROUPS):
        collection = root.add_child(name=f"Private {kind}")
        restriction = CollectionViewRestriction.objects.create(
            collection=collection, restriction_type=kind, password="letmein-please"
        )
        if kind == CollectionViewRestriction.GROUPS:
            restriction.groups.add(Group.objects.get(name="Zebra members"))
        documents[kind] = get_document_model().objects.create(
            title=f"Zebra private document {kind}",
            collection=collection,
            file=ContentFile(b"%PDF-1.4 zebra-secret-contents", name=f"zebra-{kind}.pdf"),
        )
    # A public page that links to a private document: the link shows, the file does not.
    office = tree["office"]
    office.body = [("download", {"document": documents[CollectionViewRestriction.LOGIN], "text": ""})]
    office.save_revision().publish()
    return {
        "draft": draft,
        "login": login_page,
        "password": password_page,
        "password_restriction": password_restriction,
        "child": child,
        "group": group_page,
        "documents": documents,
        "offices": offices,
    }


def body_of(response):
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def test_drafts_and_private_pages_are_not_served_by_url(client, private, django_user_model):
    assert client.get(private["draft"].url or "/zebra-draft-page/").status_code == 404
    for key in ("login", "group"):
        response = client.get(private[key].url)
        assert response.status_code == 302 and response["Location"].startswith("/_util/login/")
        assert b"Zebra" not in response.content
    for key in ("password", "child"):
        response = client.get(private[key].url)
        assert response.status_code == 200
        assert b"Zebra secret summary" not in response.content and b"password" in response.content.lower()
        assert b"Zebra password" not in response.content
    # A visitor who signs in but is not in the group still gets nothing.
    user = django_user_model.objects.create_user("visitor", "v@example.edu", PASSWORD)
    client.force_login(user)
    assert b"Zebra group page" not in client.get(private["group"].url).content


def test_previews_of_drafts_need_the_admin(client, private):
    for name in ("wagtailadmin_pages:view_draft", "wagtailadmin_pages:preview_on_edit"):
        response = client.get(reverse(name, args=[private["draft"].pk]))
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


def test_private_pages_never_enter_the_shared_page_cache(client, private, django_user_model, cached):
    """Someone allowed to see a private page views it; the next anonymous visitor must not get that copy."""
    member = Client()
    member.force_login(django_user_model.objects.create_user("member", "m@example.edu", PASSWORD))
    assert b"Zebra members only" in member.get(private["login"].url).content
    unlocked = Client()
    restriction = private["password_restriction"]
    response = unlocked.post(
        f"/_util/authenticate_with_password/{restriction.pk}/{private['password'].pk}/",
        {"password": "letmein-please", "return_url": private["password"].url},
    )
    assert response.status_code == 302
    assert b"Zebra password page" in unlocked.get(private["password"].url).content
    for _ in range(2):
        for key in ("login", "password", "child"):
            response = Client().get(private[key].url)
            assert b"Zebra secret summary" not in response.content
            assert response.get("X-Cache") != "HIT"


def test_private_documents_are_not_served_to_anonymous_visitors(client, private):
    for kind, document in private["documents"].items():
        response = client.get(document.url)
        assert b"zebra-secret-contents" not in body_of(response), kind
        assert response.status_code in (200, 302), kind  # the password form, or the login page
        if response.status_code == 302:
            assert response["Location"].startswith("/_util/login/")
    # The public page that links to one shows the link, and the file still needs a login.
    page = client.get("/offices/office-of-diversity-programs/")
    href = soup(page).select_one("p.download a")["href"]
    assert b"zebra-secret-contents" not in body_of(client.get(href))


def test_private_documents_and_pages_are_not_in_search_sitemap_or_feeds(client, private):
    """Pages in every channel: tests/test_discoverability.py. Here: the documents too."""
    texts = [client.get("/search/", {"query": "zebra"}).content.decode()]
    texts.append("\n".join(sitemap_locs(client)))
    for url in ("/announcements/feed/rss/", "/announcements/feed/atom/", "/announcements/events.ics"):
        texts.append(client.get(url).content.decode())
    text = "\n".join(texts)
    for document in private["documents"].values():
        assert document.title not in text and document.url not in text
    for key in ("draft", "login", "password", "child", "group"):
        assert private[key].title not in text


@pytest.mark.parametrize(
    "url", ["/api/v2/pages/", "/api/v2/pages/?search=zebra", "/api/v2/documents/", "/api/v2/images/", "/api/"]
)
def test_there_is_no_public_content_api(client, private, url):
    response = client.get(url)
    assert response.status_code == 404
    assert b"Zebra" not in response.content


@pytest.mark.parametrize(
    "url", ["/admin/api/main/pages/", "/admin/api/main/pages/?search=zebra", "/admin/api/main/pages/?child_of=root"]
)
def test_the_admins_own_api_is_not_open_to_anonymous_visitors(client, private, url):
    response = client.get(url)
    assert response.status_code in (302, 403, 404)
    assert b"Zebra" not in response.content
    if response.status_code == 302:
        assert response["Location"].startswith("/admin/login/")
