"""`load_demo_content` builds every part of the source page, and a second run changes nothing."""

import json

from bs4 import BeautifulSoup
from django.apps import apps
from django.core import serializers
from django.core.management import call_command

from announcements.models import SiteNotice
from dei_portal.models import HomePage
from offices.models import OfficePage

from .source_sentences import SOURCE_FINGERPRINTS, fingerprint, sentences

EXPECTED_OFFICES = {
    # office: (audience heading on the home page, its own website)
    "Office of Diversity, Equity & Inclusion": (
        "For the whole School of Medicine community",
        "https://diversity.med.wustl.edu/",
    ),
    "Office of Diversity Programs": ("For students and faculty of the MD program", "https://mddiversity.wustl.edu/"),
    "Office for International Students and Scholars": ("For international students", "https://oiss.wustl.edu/"),
    "Office of Faculty Affairs": ("For faculty", "https://facultyaffairs.wustl.edu/"),
    "Universitywide diversity initiatives": ("Universitywide initiatives", "https://diversity.wustl.edu/"),
}
EXPECTED_ORGANIZATIONS = {
    "Connections": "Students",
    "Washington University Minority Medical Association (WUMMA)": "Residents and fellows",
}
FACTORS = [
    "race",
    "color",
    "ethnicity",
    "gender",
    "age",
    "sexual orientation",
    "gender identity",
    "gender expression",
    "national origin",
    "ability",
    "religion",
    "socioeconomic background",
]


def home_soup(client):
    response = client.get("/")
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser")


def test_home_shows_every_office_in_its_audience_group_with_its_link(client, demo):
    page = home_soup(client)
    network = page.select_one("section.network")
    for title, (heading, website) in EXPECTED_OFFICES.items():
        group = next(g for g in network.select(".audience-group") if g.h3.get_text(strip=True) == heading)
        card = next(c for c in group.select(".card") if c.select_one(".card__title").get_text(strip=True) == title)
        assert card.select_one(f"a[href='{website}']"), f"{title} must link to {website}"
        assert card.select_one("p").get_text(strip=True), f"{title} needs its summary"


def test_home_shows_both_organizations_grouped_by_who_they_are_for(client, demo):
    section = home_soup(client).select_one("section.organizations")
    assert "Student- and trainee-run organizations" in section.h2.get_text()
    for title, heading in EXPECTED_ORGANIZATIONS.items():
        group = next(g for g in section.select(".audience-group") if g.h3.get_text(strip=True) == heading)
        assert title in group.get_text()
        assert group.select_one(".card__link a[href^='https://']")


def test_home_shows_factors_welcome_graphic_and_poster(client, demo):
    page = home_soup(client)
    text = page.get_text(" ", strip=True)
    for factor in FACTORS:
        assert factor in text
    welcome = page.select_one(".welcome-statement")
    img = welcome.select_one("img")
    assert "We welcome all races and ethnicities" in img["alt"]
    how_to = welcome.find("a", string=lambda s: s and "How to post this statement" in s)
    assert how_to["href"] == "/statements/welcome-statement/"
    poster = welcome.select_one(".download a")
    assert poster["href"].startswith("/documents/") and "(PDF," in poster.get_text()
    download = client.get(poster["href"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF")


def test_home_lists_both_statements_with_excerpts_linking_to_full_text(client, demo):
    cards = home_soup(client).select("section.commitments .statement-card")
    assert len(cards) == 2  # the welcome statement is not listed as a commitment
    by_title = {card.select_one(".card__title").get_text(strip=True): card for card in cards}
    assert set(by_title) == {"The Dean's commitment", "School of Medicine Diversity Statement"}
    for title, card in by_title.items():
        assert card.select_one("blockquote").get_text(strip=True)
        link = card.select_one(".card__link a")
        assert "Read the full statement" in link.get_text()
        full = client.get(link["href"])
        assert full.status_code == 200 and title.encode() in full.content.replace(b"&#x27;", b"'")
    assert (
        "Academic Affairs Committee and Executive Faculty"
        in by_title["School of Medicine Diversity Statement"].get_text()
    )


def test_home_shows_both_notices_and_the_call_to_action(client, demo):
    page = home_soup(client)
    headings = [n.get_text(strip=True) for n in page.select(".site-notice__heading")]
    assert headings == ["Announcements", "Information for our community"]
    assert page.select_one(".site-notice a[href='/announcements/']")
    assert page.select_one("a.button[href='https://diversity.med.wustl.edu/']")


def test_demo_has_one_announcement_per_category(client, demo):
    response = client.get("/announcements/")
    for category in ("Campus events", "Policies", "Construction", "General"):
        assert f"· {category}" in response.content.decode()


DEMO_URLS = [
    "/",
    "/offices/",
    "/offices/diversity-equity-inclusion/",
    "/offices/diversity-programs/",
    "/offices/international-students-and-scholars/",
    "/offices/faculty-affairs/",
    "/offices/universitywide-initiatives/",
    "/organizations/",
    "/organizations/connections/",
    "/organizations/wumma/",
    "/statements/",
    "/statements/deans-commitment/",
    "/statements/diversity-statement/",
    "/statements/welcome-statement/",
    "/announcements/",
    "/accessibility/",
    "/contact/",
]


def test_demo_text_is_written_fresh_not_copied_from_the_source_page(client, demo):
    """Facts stay; no sentence of eight or more words is the source page's (compared by fingerprint)."""
    copied = []
    for url in DEMO_URLS:
        page = BeautifulSoup(client.get(url).content, "html.parser")
        texts = [page.get_text("\n")] + [img.get("alt", "") for img in page.select("img")]
        for text in texts:
            copied += [(url, s) for s in sentences(text) if fingerprint(s) in SOURCE_FINGERPRINTS]
    assert not copied, copied


def test_source_fingerprints_match_the_source_page():
    """Where the shared source page is beside the project (as in CI), the fingerprints are current."""
    from pathlib import Path

    from django.conf import settings

    source = Path(settings.BASE_DIR).parent / "shared" / "seed" / "diversity-inclusion-page.txt"
    if source.exists():
        assert {fingerprint(s) for s in sentences(source.read_text())} == SOURCE_FINGERPRINTS
    assert len(SOURCE_FINGERPRINTS) >= 10


def snapshot():
    """Every row the loader could touch, serialized."""
    labels = ["dei_portal", "offices", "announcements", "wagtailcore", "wagtailimages", "wagtaildocs"]
    rows = {}
    for label in labels:
        for model in apps.get_app_config(label).get_models():
            rows[model._meta.label] = json.loads(serializers.serialize("json", model.objects.order_by("pk")))
    return rows


def test_second_run_changes_no_row(demo):
    before = snapshot()
    call_command("load_demo_content", stdout=open("/dev/null", "w"))
    after = snapshot()
    assert before == after
    assert len(before["wagtailcore.Page"]) >= 20


def test_loader_never_overwrites_editors_work(client, demo):
    office = OfficePage.objects.get(slug="faculty-affairs")
    office.summary = "An editor rewrote this."
    office.save_revision().publish()
    notice = SiteNotice.objects.get(heading="Announcements")
    notice.unpublish()
    home = HomePage.objects.get()
    home.intro = "Editor's lead paragraph."
    home.save_revision().publish()

    call_command("load_demo_content", stdout=open("/dev/null", "w"))

    assert OfficePage.objects.get(slug="faculty-affairs").summary == "An editor rewrote this."
    assert not SiteNotice.objects.get(heading="Announcements").live
    assert HomePage.objects.get().intro == "Editor's lead paragraph."
    assert "Editor&#x27;s lead paragraph." in client.get("/").content.decode()
