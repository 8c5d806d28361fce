"""Page weight: what a visitor downloads stays small, and static files are served well.

- HTML + CSS + JavaScript of every page type, gzip-compressed, under 50 KB;
- no render-blocking script (every script is deferred or async);
- pictures are responsive renditions: AVIF and WebP sources with a JPEG fallback, a
  srcset of widths, width/height set, lazy loading for card images;
- static files, as production stores them, are fingerprinted and pre-compressed, and
  WhiteNoise serves them compressed with far-future caching.
"""

import gzip
import io

import pytest
from bs4 import BeautifulSoup
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.test import Client, override_settings

from dei_portal.demo.scale import add_scaled_content
from dei_portal.models import HomePage
from tests.conftest import build_demo
from tests.snapshots import Snapshot

BUDGET = 50 * 1024
PAGES = [
    "/",
    "/offices/",
    "/offices/faculty-affairs/",
    "/organizations/",
    "/organizations/wumma/",
    "/statements/",
    "/statements/deans-commitment/",
    "/statements/welcome-statement/",
    "/announcements/",
    "/announcements/heritage-month-lecture/",
    "/accessibility/",
    "/search/?query=office",
]


def build_big_site():
    build_demo()
    add_scaled_content(50, stdout=io.StringIO())  # 50 offices, 500 announcements: full listings
    return {}


@pytest.fixture(scope="session")
def big_site_snapshot(django_db_setup, django_db_blocker):
    """The demo content at scale 50, built once per session (tests/snapshots.py)."""
    with django_db_blocker.unblock():
        return Snapshot(build_big_site)


@pytest.fixture
def big_site(db, home, big_site_snapshot):
    big_site_snapshot.restore()
    return HomePage.objects.get(pk=home.pk)


def gzipped(data):
    return len(gzip.compress(data, compresslevel=9))


def static_file(url):
    path = finders.find(url.removeprefix("/static/").split("?")[0])
    assert path, f"{url} is not a static file"
    with open(path, "rb") as handle:
        return handle.read()


@pytest.mark.parametrize("url", PAGES)
def test_each_page_type_weighs_under_50_kb_compressed_with_no_blocking_script(client, big_site, url):
    response = client.get(url)
    assert response.status_code == 200
    soup = BeautifulSoup(response.content, "html.parser")
    sizes = {"html": gzipped(response.content)}
    for link in soup.select('link[rel="stylesheet"]'):
        sizes[link["href"]] = gzipped(static_file(link["href"]))
    for script in soup.select("script[src]"):
        sizes[script["src"]] = gzipped(static_file(script["src"]))
        assert script.has_attr("defer") or script.has_attr("async"), f"render-blocking script {script['src']}"
    for script in soup.select("script:not([src])"):
        assert script.get("type") in ("application/ld+json", "application/json"), "inline script found"
    total = sum(sizes.values())
    assert total < BUDGET, f"{url}: {total} bytes compressed: {sizes}"


def test_card_pictures_are_responsive_modern_and_lazy(client, big_site):
    soup = BeautifulSoup(client.get("/announcements/").content, "html.parser")
    pictures = soup.select(".card picture, .announcement-item picture")
    assert pictures, "the generated announcements have listing images"
    for picture in pictures:
        types = [source["type"] for source in picture.select("source")]
        assert types == ["image/avif", "image/webp"]
        for source in picture.select("source"):
            assert source["srcset"].count(" 400w") == 1 and source["srcset"].count(" 800w") == 1
        img = picture.select_one("img")
        assert img["src"].endswith(".jpg") and "800w" in img["srcset"]
        assert img["loading"] == "lazy" and img["width"] and img["height"] and img["alt"] == ""


def test_every_image_on_every_page_has_its_size_set(client, big_site):
    for url in PAGES:
        soup = BeautifulSoup(client.get(url).content, "html.parser")
        for img in soup.select("img"):
            assert img.get("width") and img.get("height"), f"{url}: {img} would shift the layout"


def test_static_files_are_fingerprinted_compressed_and_cached_for_a_year(tmp_path, settings):
    settings.STATIC_ROOT = tmp_path
    settings.WHITENOISE_USE_FINDERS = False
    settings.WHITENOISE_AUTOREFRESH = False
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    with override_settings(STORAGES=storages):
        call_command("collectstatic", "--noinput", stdout=io.StringIO())
        from django.templatetags.static import static

        url = static("css/site.css")
        assert url != "/static/css/site.css" and url.startswith("/static/css/site.") and url.endswith(".css")
        name = url.removeprefix("/static/")
        assert (tmp_path / f"{name}.gz").exists() and (tmp_path / f"{name}.br").exists()
        response = Client().get(url, HTTP_ACCEPT_ENCODING="gzip, br")
        assert response.status_code == 200
        assert response["Content-Encoding"] in ("br", "gzip")
        assert "max-age=315360000" in response["Cache-Control"] and "immutable" in response["Cache-Control"]
