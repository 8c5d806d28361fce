"""`load_demo_content --scale N`: generated content in the site's real shapes, written in bulk.

The pages are written row by row in bulk rather than through `add_child` and
`save_revision().publish()`, so these tests check that the site cannot tell the
difference: the tree, revisions, log, reference index and search index are what
Wagtail itself stores; the pages render, list, search and appear in the sitemap; and
the admin edits and publishes them. They also check the numbers, determinism and
idempotence the benchmark relies on.
"""

import datetime
import hashlib
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from wagtail.images import get_image_model
from wagtail.models import Page, PageLogEntry, ReferenceIndex, Revision
from wagtail.search.backends import get_search_backend
from wagtail.search.models import IndexEntry
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from announcements.models import AnnouncementCategory, AnnouncementPage
from dei_portal.demo.scale import (
    BASE_DATE,
    HOME_STATEMENTS,
    IMAGE_POOL_SIZE,
    KINDS,
    add_scaled_content,
    image_title,
    plan,
)
from dei_portal.models import StatementPage
from offices.models import Audience, OfficePage, OrganizationPage
from tests.conftest import sitemap_locs

MODELS = {
    "office": OfficePage,
    "organization": OrganizationPage,
    "statement": StatementPage,
    "announcement": AnnouncementPage,
}
EXPECTED_10 = {
    "images": 24,
    "office pages": 10,
    "organization pages": 2,
    "statement pages": 1,
    "announcement pages": 100,
}


def names():
    audiences = list(Audience.objects.order_by("sort_order", "name").values_list("name", flat=True))
    categories = list(AnnouncementCategory.objects.order_by("sort_order", "slug").values_list("slug", flat=True))
    return audiences, categories


def generated(key):
    return MODELS[key].objects.filter(slug__startswith=f"{key}-").order_by("slug")


def stored(key):
    """What the database holds for each generated page of this kind, comparable with the plan."""
    rows = []
    for page in generated(key).select_related("listing_image"):
        fields = {"summary": page.summary, "body": list(page.body.raw_data)}
        if key in ("office", "organization"):
            fields.update(audience=page.audience.name, website=page.website)
        if key == "office":
            for name in ("contact_email", "phone", "location"):
                if getattr(page, name):
                    fields[name] = getattr(page, name)
        if key == "organization":
            fields["related_office"] = page.related_office.slug if page.related_office else None
        if key == "statement":
            fields.update(
                issued_by=page.issued_by, issued_on=page.issued_on, excerpt=page.excerpt, show_on_home=page.show_on_home
            )
        if key == "announcement":
            fields.update(category=page.category.slug, date=page.date)
            if page.event_start:
                fields.update(
                    event_start=page.event_start, event_end=page.event_end, event_location=page.event_location
                )
        rows.append(
            {
                "slug": page.slug,
                "title": page.title,
                "published_at": page.first_published_at,
                "image": page.listing_image.title,
                "fields": fields,
            }
        )
    return rows


def planned(scale):
    audiences, categories = names()
    result = plan(scale, audiences, categories)
    for specs in result.values():
        for spec in specs:
            spec["image"] = image_title(spec["image"])
    return result


def table_counts():
    Image = get_image_model()
    return {
        model.__name__: model.objects.count()
        for model in (Page, Revision, PageLogEntry, ReferenceIndex, IndexEntry, Image)
    }


@pytest.fixture
def scaled(demo):
    """The demo site plus the generated content at --scale 10."""
    return add_scaled_content(10)


def test_scale_10_adds_exact_numbers_live_under_their_index_pages(scaled):
    assert scaled == EXPECTED_10
    for kind in KINDS:
        pages = generated(kind.key)
        assert pages.count() == kind.count(10)
        assert pages.filter(live=True, has_unpublished_changes=False, expire_at__isnull=True).count() == kind.count(10)
        index = kind.index_model.objects.get()
        assert {page.get_parent().pk for page in pages} == {index.pk}
        assert [page.url_path for page in pages] == [f"{index.url_path}{page.slug}/" for page in pages]
        assert [page.url for page in pages] == [f"{index.url}{page.slug}/" for page in pages]
    Image = get_image_model()
    pool = Image.objects.filter(title__startswith="Demo listing image")
    assert pool.count() == IMAGE_POOL_SIZE
    # Round robin: ten offices use ten different pictures, and every picture is used.
    assert generated("office").values("listing_image").distinct().count() == 10
    used = set()
    for key in MODELS:
        used |= set(generated(key).values_list("listing_image", flat=True))
    assert used == set(pool.values_list("pk", flat=True))
    assert all(Path(image.file.path).exists() and image.description for image in pool)
    # The images' usage screens see the pages (reference index).
    first = pool.get(title=image_title(0))
    assert ReferenceIndex.get_references_to(first).count() >= 1


def test_generated_content_is_spread_and_plausible(scaled):
    announcements = generated("announcement")
    # Every category and several audiences are used; dates fall over several past years.
    assert set(announcements.values_list("category__slug", flat=True)) == set(
        AnnouncementCategory.objects.values_list("slug", flat=True)
    )
    assert generated("office").values("audience").distinct().count() >= 4
    dates = list(announcements.values_list("date", flat=True))
    assert max(dates) < BASE_DATE and min(dates) >= BASE_DATE - datetime.timedelta(days=5 * 366)
    assert len({day.year for day in dates}) >= 4
    events = announcements.filter(event_start__isnull=False)
    assert 10 <= events.count() < 100
    for event in events:
        assert event.event_end > event.event_start and event.event_location
    for key in MODELS:
        for page in generated(key):
            assert page.title and page.summary and len(page.summary) <= 300
            assert len(page.body) >= 3
            assert page.first_published_at == page.last_published_at
    for page in [*generated("office"), *generated("organization")]:
        assert page.website.startswith("https://") and page.audience_id
    statement = generated("statement").get()
    assert statement.issued_by and statement.excerpt and statement.issued_on < BASE_DATE
    assert len(set(generated("office").values_list("title", flat=True))) == 10  # titles do not repeat


def test_some_statements_stay_off_the_home_page(client, demo):
    """Only the first few generated statements are listed as commitments on the home page."""
    audiences, categories = names()
    statements = plan(50, audiences, categories)["statement"]
    assert [s["fields"]["show_on_home"] for s in statements] == [n <= HOME_STATEMENTS for n in range(1, 6)]
    add_scaled_content(50)
    cards = BeautifulSoup(client.get("/").content, "html.parser").select("section.commitments .statement-card")
    assert len(cards) == 2 + HOME_STATEMENTS  # the demo's two, plus three generated ones
    assert StatementPage.objects.filter(slug__startswith="statement-", show_on_home=False).count() == 2


def test_pages_in_the_database_are_the_plan(scaled):
    expected = planned(10)
    for key in MODELS:
        assert stored(key) == expected[key], key


def test_two_runs_give_identical_pages(demo):
    add_scaled_content(10)
    first = {key: stored(key) for key in MODELS}
    ids = [page.pk for key in MODELS for page in generated(key)]
    Page.objects.filter(pk__in=ids).delete()
    assert all(not generated(key).exists() for key in MODELS)
    assert add_scaled_content(10) == {**EXPECTED_10, "images": 0}
    second = {key: stored(key) for key in MODELS}
    assert second == first
    assert not any(Page.find_problems())


def test_plan_does_not_depend_on_the_process_or_its_hash_seed(demo):
    """Same plan in a fresh interpreter with another PYTHONHASHSEED (no set or dict order leaks in)."""
    audiences, categories = names()
    here = hashlib.sha256(json.dumps(plan(20, audiences, categories), sort_keys=True, default=str).encode()).hexdigest()
    script = (
        "import django, hashlib, json, sys; django.setup();"
        "from dei_portal.demo.scale import plan;"
        "a, c = json.loads(sys.argv[1]);"
        "print(hashlib.sha256(json.dumps(plan(20, a, c), sort_keys=True, default=str).encode()).hexdigest())"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345", "DJANGO_SETTINGS_MODULE": "dei_portal.settings.test"}
    result = subprocess.run(
        [sys.executable, "-c", script, json.dumps([audiences, categories])],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert result.stdout.strip().splitlines()[-1] == here


def test_second_run_adds_nothing(scaled):
    before = table_counts()
    pages = {key: list(generated(key).values_list("pk", "path", "last_published_at")) for key in MODELS}
    out = io.StringIO()
    assert add_scaled_content(10, stdout=out) == dict.fromkeys(EXPECTED_10, 0)
    assert "nothing added" in out.getvalue()
    assert table_counts() == before
    assert {key: list(generated(key).values_list("pk", "path", "last_published_at")) for key in MODELS} == pages


def test_bigger_scale_adds_only_the_missing_pages(scaled):
    first = {key: list(generated(key).values_list("pk", "slug", "title")) for key in MODELS}
    out = io.StringIO()
    added = add_scaled_content(20, stdout=out)
    assert added == {
        "images": 0,
        "office pages": 10,
        "organization pages": 2,
        "statement pages": 1,
        "announcement pages": 100,
    }
    assert "added 10 office pages, 2 organization pages, 1 statement pages, 100 announcement pages" in out.getvalue()
    for key in MODELS:
        now = list(generated(key).values_list("pk", "slug", "title"))
        assert now[: len(first[key])] == first[key], key  # the first ones untouched
    # The result is exactly what --scale 20 plans, as if made in one go.
    expected = planned(20)
    for key in MODELS:
        assert stored(key) == expected[key], key
    assert generated("office").count() == 20 and generated("announcement").count() == 200


def test_tree_is_sound(scaled):
    assert Page.find_problems() == ([], [], [], [], [])
    out = io.StringIO()
    call_command("fixtree", stdout=out)
    assert out.getvalue().count("No problems found") == 2, out.getvalue()
    for kind in KINDS:
        index = kind.index_model.objects.get()
        assert index.numchild == index.get_children().count()
        paths = list(index.get_children().values_list("path", flat=True))
        assert len(set(paths)) == len(paths)


def test_stored_like_wagtail_stores_a_published_page(scaled):
    """Revision, log, reference index and search index match what Wagtail's own code writes."""
    backend = get_search_backend()
    for key, model in MODELS.items():
        page = generated(key).first()
        revision = page.latest_revision
        assert revision is not None and page.live_revision_id == revision.pk
        assert revision.created_at == page.latest_revision_created_at
        assert revision.as_object().title == page.title
        assert list(revision.as_object().body.raw_data) == list(page.body.raw_data)
        assert page.get_latest_revision_as_object().summary == page.summary
        actions = list(PageLogEntry.objects.filter(page=page).order_by("timestamp").values_list("action", flat=True))
        assert actions == ["wagtail.create", "wagtail.publish"]
        page.full_clean()  # every required field is filled and valid

        def references(page=page):
            return sorted(
                ReferenceIndex.objects.filter(object_id=str(page.pk), base_content_type__model="page").values_list(
                    "to_content_type", "to_object_id", "model_path", "content_path"
                )
            )

        def entry(page=page, model=model):
            return (
                IndexEntry.objects.filter(object_id=str(page.pk), content_type__model=model._meta.model_name)
                .values("title", "autocomplete", "body")
                .get()
            )

        ours, our_entry = references(), entry()
        assert ("listing_image", "listing_image") in {(r[2], r[3]) for r in ours}
        ReferenceIndex.create_or_update_for_object(page)
        backend.add(page)
        assert references() == ours, key
        assert entry() == our_entry, key


def test_each_generated_type_renders(client, scaled):
    for key in MODELS:
        page = generated(key).first()
        response = client.get(page.url)
        assert response.status_code == 200, (key, page.url)
        soup = BeautifulSoup(response.content, "html.parser")
        assert soup.h1.get_text(strip=True) == page.title
        text = " ".join(soup.main.get_text(" ").split())
        first_paragraph = BeautifulSoup(page.body.raw_data[0]["value"], "html.parser").get_text()
        assert first_paragraph in text, key
    office = generated("office").first()
    html = client.get(office.url).content.decode()
    assert f'href="{office.website}"' in html


def test_listings_show_generated_pages_with_pictures(client, scaled):
    for url, key in (("/offices/", "office"), ("/organizations/", "organization"), ("/statements/", "statement")):
        soup = BeautifulSoup(client.get(url).content, "html.parser")
        for page in generated(key):
            link = soup.find("a", href=page.url)
            assert link is not None, (url, page.slug)
            card = link.find_parent("article", class_="card")
            image = card.select_one("img.card__image")
            assert image is not None and image["src"], (url, page.slug)
    # Announcements: 104 in all, newest first, ten a page; the newest generated one is on page 1.
    response = client.get("/announcements/")
    assert response.context["announcements"].paginator.count == 104
    newest = generated("announcement").order_by("-date", "-first_published_at", "-pk").first()
    titles = [
        a.get_text() for a in BeautifulSoup(response.content, "html.parser").select(".announcement-item__title a")
    ]
    assert newest.title in titles


def test_search_and_sitemap_find_generated_pages(client, scaled):
    office = generated("office")[2]
    soup = BeautifulSoup(client.get("/search/", {"query": office.title}).content, "html.parser")
    hrefs = [a["href"] for a in soup.select("ol.search-results > li h2 a")]
    assert office.url in hrefs
    announcement = generated("announcement").filter(event_start__isnull=True).first()
    soup = BeautifulSoup(client.get("/search/", {"query": announcement.title}).content, "html.parser")
    hrefs = [a["href"] for a in soup.select("ol.search-results > li h2 a")]
    assert announcement.url in hrefs
    sitemap = set(sitemap_locs(client))
    for key in MODELS:
        for page in generated(key):
            assert page.full_url in sitemap, page.slug


def test_admin_edits_and_publishes_a_generated_page(superuser_client, scaled):
    office = generated("office").first()
    edit = reverse("wagtailadmin_pages:edit", args=[office.pk])
    assert superuser_client.get(edit).status_code == 200
    data = nested_form_data(
        {
            "title": "Renamed by an editor",
            "slug": office.slug,
            "audience": office.audience_id,
            "summary": office.summary,
            "website": office.website,
            "body": streamfield([("paragraph", rich_text("<p>Rewritten.</p>"))]),
            "contact_email": office.contact_email,
            "phone": office.phone,
            "location": office.location,
            "seo_title": "",
            "search_description": "",
            "listing_image": office.listing_image_id,
        }
    )
    response = superuser_client.post(edit, {**data, "action-publish": "publish"})
    assert response.status_code == 302, BeautifulSoup(response.content, "html.parser").select(".error-message")
    office.refresh_from_db()
    assert office.title == "Renamed by an editor" and office.live
    assert Revision.objects.filter(object_id=str(office.pk), base_content_type__model="page").count() == 2
    assert "Renamed by an editor" in superuser_client.get(office.url).content.decode()
    assert Page.find_problems() == ([], [], [], [], [])
    # The admin's listing of the offices index shows the generated pages.
    listing = superuser_client.get(reverse("wagtailadmin_explore", args=[office.get_parent().pk]))
    assert listing.status_code == 200
    assert generated("office").exclude(pk=office.pk).first().title in listing.content.decode()


def test_command_builds_the_demo_then_the_scaled_content(home):
    out = io.StringIO()
    call_command("load_demo_content", "--scale", "10", stdout=out)
    text = out.getvalue()
    assert "Demo content: created" in text
    assert (
        "Scaled content (--scale 10): added 24 images, 10 office pages, 2 organization pages, 1 statement pages, "
        "100 announcement pages" in text
    )
    out = io.StringIO()
    call_command("load_demo_content", "--scale", "10", stdout=out)
    assert "nothing changed" in out.getvalue() and "nothing added" in out.getvalue()
    assert OfficePage.objects.count() == 5 + 10
    with pytest.raises(CommandError):
        call_command("load_demo_content", "--scale", "-1", stdout=io.StringIO())


class FakeTerminal(io.StringIO):
    def isatty(self):
        return True


def test_on_a_terminal_the_command_shows_each_stage_counting_up_in_place(demo, monkeypatch):
    monkeypatch.setattr("dei_portal.demo.scale.BATCH_SIZE", 4)  # several batches, so several steps
    out = FakeTerminal()
    call_command("load_demo_content", "--scale", "10", stdout=out)
    text = out.getvalue()
    assert "\r" in text
    stages = {"images": 24, **{kind.label: kind.count(10) for kind in KINDS}}
    for label, total in stages.items():
        steps = [int(part.split()[-1].split("/")[0]) for part in text.split("\r") if part.startswith(f"  {label} ")]
        assert steps[0] == 0 and steps[-1] == total, (label, steps)
        assert steps == sorted(steps), (label, steps)
        assert len(steps) == 1 + (total + 3) // 4 or label == "images", (label, steps)  # 0, then every batch
        assert label != "images" or steps == list(range(25))  # one step per picture drawn
        assert all(part.endswith(f"/{total}") for part in text.split("\r") if part.startswith(f"  {label} "))
        assert re.search(rf"\r  {label}: {total} in \d+\.\d s *\n", text), label  # the stage's last line
    assert text.rstrip().splitlines()[-1].startswith("Scaled content (--scale 10): added 24 images")


def test_without_a_terminal_each_stage_is_one_line_without_carriage_returns(demo, capsys):
    out = io.StringIO()
    call_command("load_demo_content", "--scale", "10", stdout=out)
    text = out.getvalue()
    assert "\r" not in text and "/24" not in text
    stages = {"images": 24, **{kind.label: kind.count(10) for kind in KINDS}}
    for label, total in stages.items():
        lines = [line for line in text.splitlines() if line.startswith(f"  {label}")]
        assert len(lines) == 1 and re.fullmatch(rf"  {label}: {total} in \d+\.\d s", lines[0]), (label, text)
    # Without an output (as the tests above call it) it writes nothing anywhere.
    capsys.readouterr()
    assert add_scaled_content(20)["office pages"] == 10
    assert capsys.readouterr() == ("", "")
