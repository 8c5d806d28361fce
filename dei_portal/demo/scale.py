"""Generated demo content at scale, for benchmarks and load tests: ``load_demo_content --scale N``.

On top of the hand-written demo site, ``add_scaled_content(N)`` adds N office pages,
N // 5 organization pages, N // 10 statement pages and 10 * N announcement pages, spread
over the existing audiences and announcement categories, with a small pool of
Pillow-drawn listing images.

Deterministic: every generated page is planned from its own number alone, with a
random generator seeded from a fixed seed, the page's type and its number, and
dates counted back from a fixed base date. So page 17 is the same whether it is made
by ``--scale 20`` or by ``--scale 1000``, on any machine, on any day.

Idempotent: generated pages have numbered slugs (``office-0001``, ``announcement-0042``);
a run adds only the numbers that are missing under each index page, and never
changes or deletes anything.

Fast: instead of page-by-page ``add_child`` + ``save_revision().publish()`` (each with
its own tree update, revision, log entries, reference-index and search-index work),
the rows Wagtail would write are computed here and written in batches, inside one
transaction: the tree paths under each index page, the ``wagtailcore_page`` rows and
the page type's own rows (multi-table inheritance: parent rows first, then child rows
with ``page_ptr_id``), one revision per page (live and latest), the "create" and
"publish" log entries, the reference index and the search index (the search backend's
``add_bulk``), and the ``page_published``/``published`` signals publishing sends (which
move the page cache on). The parents' ``numchild`` is kept right, so ``manage.py
fixtree`` finds nothing to fix, and editors edit and publish the pages as usual.
At --scale 1000 (11,300 pages) this takes about a minute instead of many.

Progress: given the command's output, each stage (the images, then each kind of page) ends
with one line, its count and seconds. On a terminal the stage's count also moves in place
while it runs (``office pages 500/1000``, after each batch written); anywhere else (CI, the
bench, a captured output) there are only those final lines, no carriage returns.
"""

import datetime
import functools
import io
import random
import time
import uuid
import zoneinfo
from dataclasses import dataclass
from itertools import product

from django.contrib.contenttypes.models import ContentType
from django.core.files.images import ImageFile
from django.core.management.base import OutputWrapper
from django.db import connection, connections, router, transaction
from django.db.models import CharField, F, OuterRef, Subquery
from django.db.models.functions import Cast
from django.utils.html import escape
from django.utils.text import slugify
from modelcluster.models import get_all_child_relations
from PIL import Image as PILImage
from PIL import ImageDraw
from wagtail.images import get_image_model
from wagtail.models import Page, PageLogEntry, ReferenceIndex, Revision, Site
from wagtail.search.backends import get_search_backends
from wagtail.signals import page_published, published

from announcements.models import AnnouncementCategory, AnnouncementIndexPage, AnnouncementPage
from dei_portal.statements.models import StatementIndexPage, StatementPage
from offices.models import Audience, OfficeIndexPage, OfficePage, OrganizationIndexPage, OrganizationPage

SEED = 2026
BASE_DATE = datetime.date(2026, 11, 2)  # the demo's "today"; nothing here reads the clock
SITE_TIMEZONE = zoneinfo.ZoneInfo("America/Chicago")
IMAGE_POOL_SIZE = 24
HOME_STATEMENTS = 3  # generated statements listed on the home page; the rest have show_on_home=False
BATCH_SIZE = 500
# Fixed namespace for the generated pages' translation keys and StreamField block ids.
NAMESPACE = uuid.UUID("0f6b1a52-6d1e-4c1b-9a57-2026c0de5ca1")


class ScaleError(RuntimeError):
    """The site lacks what the generated content hangs on (index pages, audiences, categories)."""


class Progress:
    """The build's stages on `stdout` (None: silent). ``start(label, total)``, ``advance(n)``,
    ``finish()`` per stage; a terminal sees ``  label done/total`` rewritten in place (a
    carriage return, no escape codes), then the stage's final line, as everything else sees it:
    ``  label: done in seconds s``."""

    def __init__(self, stdout=None):
        if stdout is not None and not isinstance(stdout, OutputWrapper):
            stdout = OutputWrapper(stdout)  # a plain file: same write(..., ending=...) and isatty()
        self.stdout = stdout
        self.live = stdout is not None and stdout.isatty()
        self.width = 0  # of the in-place line, so the final line covers all of it

    def start(self, label, total):
        self.label, self.total, self.done = label, total, 0
        self.started = time.perf_counter()
        self._show()

    def advance(self, number=1):
        self.done += number
        self._show()

    def finish(self):
        if self.stdout is None:
            return
        line = f"  {self.label}: {self.done} in {time.perf_counter() - self.started:.1f} s"
        if self.live:
            line = "\r" + line.ljust(self.width)
            self.width = 0
        self.stdout.write(line)
        self.stdout.flush()

    def _show(self):
        if self.live:
            line = f"  {self.label} {self.done}/{self.total}"
            self.width = max(self.width, len(line))
            self.stdout.write("\r" + line, ending="")
            self.stdout.flush()


@dataclass(frozen=True)
class Kind:
    key: str  # slug prefix and seed part
    label: str  # plural, for the summary
    model: type
    index_model: type
    image_offset: int  # where this kind starts in the image pool (round robin from there)

    def count(self, scale):
        return {"office": scale, "organization": scale // 5, "statement": scale // 10, "announcement": 10 * scale}[
            self.key
        ]

    def slug(self, number):
        return f"{self.key}-{number:04d}"


KINDS = [
    Kind("office", "office pages", OfficePage, OfficeIndexPage, 0),
    Kind("organization", "organization pages", OrganizationPage, OrganizationIndexPage, 6),
    Kind("statement", "statement pages", StatementPage, StatementIndexPage, 12),
    Kind("announcement", "announcement pages", AnnouncementPage, AnnouncementIndexPage, 18),
]
KIND = {kind.key: kind for kind in KINDS}


# --- words -----------------------------------------------------------------------------

DEPARTMENTS = [
    "Anesthesiology",
    "Biochemistry",
    "Cell Biology and Physiology",
    "Dermatology",
    "Developmental Biology",
    "Emergency Medicine",
    "Genetics",
    "Medicine",
    "Molecular Microbiology",
    "Neurology",
    "Neuroscience",
    "Neurosurgery",
    "Obstetrics and Gynecology",
    "Occupational Therapy",
    "Ophthalmology",
    "Orthopedic Surgery",
    "Otolaryngology",
    "Pathology and Immunology",
    "Pediatrics",
    "Physical Therapy",
    "Psychiatry",
    "Radiation Oncology",
    "Radiology",
    "Surgery",
    "Biostatistics",
]
OFFICE_KINDS = ["Office", "Center", "Program", "Council", "Network", "Committee"]
THEMES = [
    "Inclusive Excellence",
    "Health Equity",
    "Community Partnerships",
    "Faculty Development",
    "Mentoring",
    "Accessibility and Disability Resources",
    "First-Generation Students",
    "Pathway Programs",
    "Language Access",
    "LGBTQ+ Health",
    "Women in Medicine",
    "Veterans in Medicine",
    "Global Health Equity",
    "Wellbeing and Belonging",
    "Inclusive Teaching",
    "Recruitment and Retention",
    "Rural Health",
    "Family Support",
    "Interfaith Life",
    "Anti-Racism Education",
]
ACTIVITIES = [
    "mentoring circles",
    "grant-writing support",
    "holistic admissions reviews",
    "bias-awareness workshops",
    "community health partnerships",
    "summer research placements",
    "accessible teaching resources",
    "peer support groups",
    "career coaching",
    "visiting student programs",
    "listening sessions",
    "inclusive hiring guides",
    "interpreter services guidance",
    "lactation and family resources",
    "quiet and prayer rooms",
    "science outreach for high school students",
    "recognition awards",
    "leadership development cohorts",
    "yearly recruitment and retention reports",
    "a speaker series",
]
OFFICE_SUMMARIES = [
    "Supports students, trainees and faculty in {dept} with {a} and {b}.",
    "Brings {theme} into the daily work of {dept}: {a}, {b} and {c}.",
    "A home in {dept} for {theme}, offering {a} and {b} to everyone who studies or works here.",
    "Coordinates {a}, {b} and {c} for the {dept} community.",
]
BODY_SENTENCES = [
    "Our staff meet anyone who has a question, an idea or a concern, and we follow up on every conversation.",
    "Each year we publish what we learned and what we will change next.",
    "Programs are free and open to everyone in the department, whatever their role.",
    "We work with the school's other offices so that nobody has to tell their story twice.",
    "Most sessions are held in person and online, with captions and materials shared in advance.",
    "Ideas for new programs are welcome at any time; many of ours began as a suggestion.",
    "Department leaders review our progress every semester and fund what works.",
    "Volunteers from every career stage help plan and run our events.",
    "We measure what we do and share the numbers, including where we fell short.",
    "Partners in the St. Louis region help us reach students long before they apply.",
    "Confidential conversations are available by appointment.",
    "Our newsletter lists upcoming events and recognizes people whose work makes a difference.",
]
BODY_HEADINGS = ["What we offer", "How to get involved", "Who we serve", "Programs and initiatives", "Our approach"]
BUILDINGS = [
    "Education Center",
    "Medical Library",
    "Clinical Sciences Building",
    "Research Tower",
    "Student Center",
    "Children's Research Building",
    "Health Sciences Tower",
    "Ambulatory Care Center",
]
ORG_GROUPS = [
    "Latino",
    "Black",
    "Asian Pacific American",
    "First-Generation",
    "Queer and Trans",
    "Disability",
    "Muslim",
    "Jewish",
    "Indigenous",
    "Rural",
    "Parenting",
    "Veteran",
    "Women",
    "Interfaith",
    "Global Health",
    "Deaf and Hard of Hearing",
    "Neurodiverse",
    "Middle Eastern and North African",
    "South Asian",
    "Christian",
]
ORG_FORMS = ["Student Association", "in Medicine Alliance", "Trainee Network", "Peer Mentoring Circle", "Caucus"]
ORG_PROGRAMS = [
    "MD program",
    "PhD programs",
    "residents and fellows",
    "physical therapy",
    "occupational therapy",
    "audiology",
    "genetic counseling",
    "public health",
]
ORG_SUMMARIES = [
    "{group} members of the {program} community meeting for {a} and {b}.",
    "Run by and for {program} members: {a}, {b} and a place to belong.",
    "A {program} group that organizes {a} and {b}, and welcomes allies.",
]
STATEMENT_TOPICS = [
    "inclusive hiring",
    "accessible learning",
    "anti-racism",
    "gender equity in promotion",
    "language access",
    "religious accommodation",
    "parental leave",
    "holistic admissions",
    "pay equity",
    "respectful learning",
    "community partnership",
    "disability inclusion",
    "first-generation students",
    "LGBTQ+ inclusion",
    "veterans in medicine",
    "rural health",
    "mentoring",
    "belonging",
    "equitable research",
    "patient dignity",
]
STATEMENT_EXCERPTS = [
    "We commit to {topic} in how we teach, hire, promote and care for patients, and we will report on our progress.",
    "{topic_cap} is part of the work of every member of this department, not the task of a few.",
    "Our department will measure what it does on {topic}, share what it finds and act on it.",
    "Everyone here deserves to be treated fairly; our commitment to {topic} is how we make that real.",
]
CATEGORY_TITLES = {
    "campus-events": [
        "{topic_cap} lecture",
        "{topic_cap} workshop",
        "{topic_cap} symposium",
        "Community dinner on {topic}",
        "{topic_cap} panel discussion",
        "Film screening and discussion on {topic}",
    ],
    "policies": [
        "Updated guidance on {policy}",
        "New policy on {policy}",
        "Reminder: how {policy} works",
        "Changes to {policy} take effect",
    ],
    "construction": [
        "{work} at the {building}",
        "{work} in the {building} begins",
        "{work} at the {building} completed",
    ],
    "general": [
        "Nominations open for the {award}",
        "{award} recipients announced",
        "Volunteers needed for {topic} outreach",
        "Survey on {topic}: tell us what you think",
        "New resources on {topic}",
    ],
}
CATEGORY_SUMMARIES = {
    "campus-events": [
        "Notes and a recording of our recent session on {topic} are now online.",
        "Thank you to everyone who came to our event on {topic}; here is what we heard.",
    ],
    "policies": [
        "The school has revised its guidance on {policy}: what changes, when, and who to ask.",
        "What the rules on {policy} mean for students, trainees, faculty and staff, and where to find the forms.",
    ],
    "construction": [
        "{work} will affect access to the {building}; step-free routes stay open and are signposted.",
        "{work} at the {building} is on schedule; expect some noise on weekday mornings.",
    ],
    "general": [
        "Tell us about colleagues whose work on {topic} deserves recognition.",
        "New guides and contacts on {topic} for everyone in the school community.",
        "A short survey on {topic}; answers are anonymous and shape next year's programs.",
    ],
}
POLICIES = [
    "parental leave",
    "religious accommodation",
    "name and pronoun changes",
    "accessible course materials",
    "lactation spaces",
    "interpreter requests",
    "flexible scheduling",
    "reporting bias incidents",
]
WORKS = [
    "Step-free entrance work",
    "Elevator replacement",
    "All-gender restroom renovation",
    "Wayfinding signage update",
    "Quiet room construction",
    "Automatic door installation",
    "Hearing loop installation",
]
AWARDS = [
    "Community Service Award",
    "Inclusive Teaching Award",
    "Mentor of the Year award",
    "Equity Research Prize",
    "Staff Excellence in Inclusion award",
]
EVENT_PLACES = [
    "Education Center, Auditorium",
    "Medical Library, Room 300",
    "Clinical Sciences Building, Room 8",
    "Student Center, Commons",
    "Research Tower, Seminar Room 2",
    "Online (link sent on registration)",
]
PALETTE = ["#a51417", "#d9661f", "#f2b200", "#3a7d44", "#1f6fb2", "#5b3f8c", "#0f5257", "#7a1f3d"]
COLOR_NAMES = dict(zip(PALETTE, ["red", "orange", "gold", "green", "blue", "purple", "teal", "plum"], strict=True))


def _rng(*parts):
    """A generator seeded from the fixed seed and these parts (str seeds hash with SHA-512: stable)."""
    return random.Random(":".join(str(part) for part in (SEED, *parts)))  # noqa: S311 (made-up content, not secrets)


@functools.cache
def _combinations(key):
    """Every title combination for one kind, in a fixed shuffled order (taken without repeats)."""
    lists = {
        "office": (DEPARTMENTS, OFFICE_KINDS, THEMES),
        "organization": (ORG_GROUPS, ORG_FORMS, ORG_PROGRAMS),
        "statement": (DEPARTMENTS, STATEMENT_TOPICS),
    }[key]
    combos = list(product(*lists))
    _rng(key, "titles").shuffle(combos)
    return combos


def _combination(key, number):
    """(words, round): the title words of page `number`, and how often the list has wrapped."""
    combos = _combinations(key)
    return combos[(number - 1) % len(combos)], (number - 1) // len(combos)


def _title_suffix(rounds):
    return f" ({rounds + 1})" if rounds else ""


def _paragraph(*sentences):
    return "<p>" + " ".join(escape(sentence) for sentence in sentences) + "</p>"


def _stream(slug, blocks):
    """Raw StreamField data with block ids derived from the page slug (stable across runs)."""
    return [
        {"type": block_type, "value": value, "id": str(uuid.uuid5(NAMESPACE, f"{slug}:block:{position}"))}
        for position, (block_type, value) in enumerate(blocks)
    ]


def _body(slug, rng, lead, activities):
    sentences = rng.sample(BODY_SENTENCES, 5)
    items = "".join(f"<li>{escape(activity[0].upper() + activity[1:])}</li>" for activity in activities)
    blocks = [
        ("paragraph", _paragraph(lead, *sentences[:2])),
        ("heading", {"text": rng.choice(BODY_HEADINGS), "level": "h2"}),
        ("paragraph", f"<ul>{items}</ul>"),
        ("paragraph", _paragraph(*sentences[2:])),
    ]
    return _stream(slug, blocks)


def _moment(day, rng, first_hour=8, last_hour=17):
    """An aware datetime on `day`, at a working hour in the site's time zone, in UTC."""
    local = datetime.datetime.combine(
        day, datetime.time(rng.randint(first_hour, last_hour), rng.randrange(0, 60, 5)), tzinfo=SITE_TIMEZONE
    )
    return local.astimezone(datetime.UTC)


def _image_slot(kind, number):
    return (kind.image_offset + number - 1) % IMAGE_POOL_SIZE


# --- the plan: pure functions of (kind, number, audiences, categories) ------------------


def plan_page(key, number, audiences, categories):
    """Everything about generated page `number` of kind `key`, as plain values.

    `audiences` and `categories` are the audience names and announcement category slugs
    in their editors' order; the page's audience / category is picked from them.
    Returns {"slug", "title", "published_at", "image", "fields": {...}} where fields hold
    the model's own values (with the audience name, category slug and related office slug
    still to be turned into rows).
    """
    kind = KIND[key]
    slug = kind.slug(number)
    rng = _rng(key, number)
    fields = {}
    if key == "office":
        (dept, office_kind, theme), rounds = _combination(key, number)
        title = f"{dept} {office_kind} for {theme}{_title_suffix(rounds)}"
        a, b, c = rng.sample(ACTIVITIES, 3)
        summary = rng.choice(OFFICE_SUMMARIES).format(
            dept=dept, theme=theme.lower().replace("lgbtq+", "LGBTQ+"), a=a, b=b, c=c
        )
        fields = {
            "audience": rng.choice(audiences),
            "website": f"https://{slugify(dept)}.example.edu/{slugify(theme) or 'office'}/",
            "body": _body(slug, rng, summary, rng.sample(ACTIVITIES, 4)),
        }
        if rng.random() < 0.7:
            fields.update(
                contact_email=f"{slugify(theme)[:24]}.{number}@example.edu",
                phone=f"(314) 555-01{rng.randrange(100):02d}",
                location=f"{rng.choice(BUILDINGS)}, Room {rng.randint(100, 999)}",
            )
        published_on = BASE_DATE - datetime.timedelta(days=rng.randint(30, 5 * 365))
    elif key == "organization":
        (group, form, program), rounds = _combination(key, number)
        title = f"{group} {form} ({program}){_title_suffix(rounds)}"
        a, b = rng.sample(ACTIVITIES, 2)
        summary = rng.choice(ORG_SUMMARIES).format(group=group, program=program, a=a, b=b)
        summary = summary[0].upper() + summary[1:]
        fields = {
            "audience": rng.choice(audiences),
            "website": f"https://{slugify(title)[:60]}.example.org/",
            "body": _body(slug, rng, summary, rng.sample(ACTIVITIES, 3)),
            # Most organizations work with one of the generated offices (which always exists: N >= 5 * N // 5).
            "related_office": KIND["office"].slug(5 * number) if number % 3 else None,
        }
        published_on = BASE_DATE - datetime.timedelta(days=rng.randint(30, 5 * 365))
    elif key == "statement":
        (dept, topic), rounds = _combination(key, number)
        title = f"Department of {dept}: statement on {topic}{_title_suffix(rounds)}"
        excerpt = rng.choice(STATEMENT_EXCERPTS).format(topic=topic, topic_cap=topic[0].upper() + topic[1:])
        issued_on = BASE_DATE - datetime.timedelta(days=rng.randint(60, 6 * 365))
        summary = f"The Department of {dept}'s commitment on {topic}, issued {issued_on:%B %Y}."
        fields = {
            "issued_by": rng.choice(
                [
                    f"the chair of the Department of {dept}",
                    f"the faculty of the Department of {dept}",
                    f"the Department of {dept} equity committee",
                ]
            ),
            "issued_on": issued_on,
            "excerpt": excerpt,
            "body": _body(slug, rng, excerpt, rng.sample(ACTIVITIES, 3)),
            "show_on_home": number <= HOME_STATEMENTS,
        }
        published_on = issued_on
    elif key == "announcement":
        category = rng.choice(categories)
        day = BASE_DATE - datetime.timedelta(days=rng.randint(1, 5 * 365))
        templates = CATEGORY_TITLES.get(category, CATEGORY_TITLES["general"])
        topic = rng.choice(STATEMENT_TOPICS)
        words = {
            "topic": topic,
            "topic_cap": topic[0].upper() + topic[1:],
            "policy": rng.choice(POLICIES),
            "work": rng.choice(WORKS),
            "building": rng.choice(BUILDINGS),
            "award": rng.choice(AWARDS),
        }
        title = rng.choice(templates).format(**words)
        event = rng.random() < (0.9 if category == "campus-events" else 0.1)
        if event:
            start = _moment(day + datetime.timedelta(days=rng.randint(5, 40)), rng, 9, 18)
            fields.update(
                event_start=start,
                event_end=start + datetime.timedelta(minutes=rng.choice([60, 90, 120, 180])),
                event_location=rng.choice(EVENT_PLACES),
            )
            title = f"{title}, {start.astimezone(SITE_TIMEZONE):%B %Y}"
            local = start.astimezone(SITE_TIMEZONE)
            summary = f"Join us on {local:%A, %B} {local.day} for an event on {topic}; everyone is welcome."
        else:
            summary = rng.choice(CATEGORY_SUMMARIES.get(category, CATEGORY_SUMMARIES["general"])).format(**words)
        fields.update(category=category, date=day, body=_body(slug, rng, summary, rng.sample(ACTIVITIES, 2)))
        published_on = day
    else:  # pragma: no cover - KIND[key] above already refused it
        raise KeyError(key)
    return {
        "slug": slug,
        "title": title,
        "published_at": _moment(published_on, rng),
        "image": _image_slot(kind, number),
        "fields": {"summary": summary, **fields},
    }


def plan(scale, audiences, categories):
    """{kind key: [plan_page(...) for every number up to the count at this scale]}."""
    return {
        kind.key: [plan_page(kind.key, number, audiences, categories) for number in range(1, kind.count(scale) + 1)]
        for kind in KINDS
    }


# --- images ------------------------------------------------------------------------------


def image_title(slot):
    return f"Demo listing image {slot + 1:02d}"


def _draw_image(slot):
    rng = _rng("image", slot)
    background, *colors = rng.sample(PALETTE, 4)
    canvas = PILImage.new("RGB", (800, 450), background)
    draw = ImageDraw.Draw(canvas)
    shape = ["circles", "bands", "squares"][slot % 3]
    for step in range(9):
        color = colors[step % len(colors)]
        x, y, size = rng.randint(-100, 750), rng.randint(-100, 400), rng.randint(60, 260)
        if shape == "circles":
            draw.ellipse([x, y, x + size, y + size], fill=color)
        elif shape == "bands":
            draw.polygon([(x, 0), (x + size, 0), (x + size - 200, 450), (x - 200, 450)], fill=color)
        else:
            draw.rectangle([x, y, x + size, y + size], fill=color)
    buffer = io.BytesIO()
    canvas.save(buffer, format="PNG", optimize=True)
    names = sorted({COLOR_NAMES[c] for c in colors})
    description = f"Abstract pattern of {shape} in {', '.join(names[:-1])} and {names[-1]} on {COLOR_NAMES[background]}"
    return buffer.getvalue(), description


def ensure_images(progress=None):
    """The listing-image pool, created where missing; returns (images by slot, number created)."""
    Image = get_image_model()
    titles = [image_title(slot) for slot in range(IMAGE_POOL_SIZE)]
    existing = {}
    for image in Image.objects.filter(title__in=titles).order_by("pk"):
        existing.setdefault(image.title, image)
    progress = progress or Progress()
    missing = sum(title not in existing for title in titles)
    if missing:
        progress.start("images", missing)
    created = 0
    pool = []
    for slot, title in enumerate(titles):
        image = existing.get(title)
        if image is None:
            data, description = _draw_image(slot)
            image = Image(
                title=title,
                description=description,
                file=ImageFile(io.BytesIO(data), name=f"demo-listing-{slot + 1:02d}.png"),
            )
            image.save()
            created += 1
            progress.advance()
        pool.append(image)
    if missing:
        progress.finish()
    return pool, created


# --- writing pages in bulk ------------------------------------------------------------------


def _index_page(home, model):
    index = model.objects.child_of(home).order_by("path").first()
    if index is None:
        raise ScaleError(f"No {model._meta.verbose_name} under the home page: run load_demo_content first.")
    return index


def _instances(kind, specs, parent, lookups, images):
    """Unsaved specific page instances for `specs`, placed after the parent's last child."""
    model = kind.model
    depth = parent.depth + 1
    last_path = (
        Page.objects.filter(path__startswith=parent.path, depth=depth)
        .order_by("-path")
        .values_list("path", flat=True)
        .first()
    )
    position = Page._str2int(last_path[-Page.steplen :]) if last_path else 0
    if position + len(specs) >= len(Page.alphabet) ** Page.steplen:
        raise ScaleError(f"{parent.title} cannot hold {len(specs)} more child pages (tree path overflow).")
    content_type = ContentType.objects.get_for_model(model)
    child_relations = [relation.get_accessor_name() for relation in get_all_child_relations(model)]
    pages = []
    for spec in specs:
        position += 1
        fields = dict(spec["fields"])
        if "audience" in fields:
            fields["audience"] = lookups["audiences"][fields["audience"]]
        if "category" in fields:
            fields["category"] = lookups["categories"][fields["category"]]
        if "related_office" in fields:
            fields["related_office_id"] = lookups["offices"].get(fields.pop("related_office"))
        published_at = spec["published_at"]
        page = model(
            title=spec["title"],
            draft_title=spec["title"],
            slug=spec["slug"],
            path=Page._get_path(parent.path, depth, position),
            depth=depth,
            numchild=0,
            url_path=f"{parent.url_path}{spec['slug']}/",
            content_type=content_type,
            locale_id=parent.locale_id,
            translation_key=uuid.uuid5(NAMESPACE, f"{model._meta.label_lower}:{spec['slug']}"),
            live=True,
            has_unpublished_changes=False,
            first_published_at=published_at,
            last_published_at=published_at,
            latest_revision_created_at=published_at - datetime.timedelta(seconds=1),
            listing_image=images[spec["image"]],
            **fields,
        )
        for name in child_relations:  # no posters, no comments: kept in memory, so no queries
            setattr(page, name, [])
        pages.append(page)
    return pages


def _write_pages(model, parent, pages, progress=None):
    """Insert the page rows, revisions, log entries, references and search entries; fix numchild.
    `progress` (a Progress whose stage has begun) advances after each batch."""
    using = router.db_for_write(Page)
    connection = connections[using]
    page_type = ContentType.objects.get_for_model(Page)
    content_type = ContentType.objects.get_for_model(model)
    page_fields = [field for field in Page._meta.concrete_fields if not field.primary_key]
    own_fields = model._meta.local_concrete_fields  # page_ptr and the page type's own columns

    for start in range(0, len(pages), BATCH_SIZE):
        batch = pages[start : start + BATCH_SIZE]
        # 1. The wagtailcore_page rows (their ids come back from the insert), then the page
        #    type's own rows with page_ptr_id set: what save() does for multi-table inheritance.
        size = max(1, connection.ops.bulk_batch_size(page_fields, batch) or len(batch))
        ids = []
        for offset in range(0, len(batch), size):
            ids += Page._base_manager._insert(
                batch[offset : offset + size], fields=page_fields, returning_fields=[Page._meta.pk], using=using
            )
        for page, (pk,) in zip(batch, ids, strict=True):
            page.id = page.page_ptr_id = pk
            page._state.adding = False
            page._state.db = using
        size = max(1, connection.ops.bulk_batch_size(own_fields, batch) or len(batch))
        for offset in range(0, len(batch), size):
            model._base_manager._insert(batch[offset : offset + size], fields=own_fields, using=using)

        # 2. One revision per page, as save_revision() stores it before publishing; it is
        #    the page's latest and live revision.
        revisions = []
        for page in batch:
            content = page.serializable_data()
            content.update(
                latest_revision=None,
                live_revision=None,
                first_published_at=None,
                last_published_at=None,
                latest_revision_created_at=None,
            )
            revisions.append(
                Revision(
                    content_type_id=content_type.pk,
                    base_content_type_id=page_type.pk,
                    object_id=str(page.pk),
                    created_at=page.latest_revision_created_at,
                    user=None,
                    object_str=str(page),
                    content=content,
                )
            )
        Revision.objects.using(using).bulk_create(revisions)
        for page, revision in zip(batch, revisions, strict=True):
            page.latest_revision_id = page.live_revision_id = revision.pk
        revision_of_page = Subquery(
            Revision.objects.filter(base_content_type_id=page_type.pk, object_id=Cast(OuterRef("pk"), CharField()))
            .order_by("-pk")
            .values("pk")[:1]
        )
        updated = (
            Page.objects.using(using)
            .filter(pk__in=[page.pk for page in batch])
            .update(latest_revision_id=revision_of_page, live_revision_id=revision_of_page)
        )
        if updated != len(batch):  # pragma: no cover - would mean the rows above were not all written
            raise ScaleError(f"Linked {updated} of {len(batch)} {model._meta.verbose_name_plural} to their revisions.")

        # 3. The audit log: created, then published.
        entries = []
        for page, revision in zip(batch, revisions, strict=True):
            common = {
                "content_type_id": content_type.pk,
                "label": page.get_admin_display_title(),
                "data": {},
                "user": None,
                "content_changed": True,
                "deleted": False,
                "page_id": page.pk,
            }
            entries.append(
                PageLogEntry(
                    action="wagtail.create",
                    revision=None,
                    timestamp=page.first_published_at - datetime.timedelta(seconds=2),
                    **common,
                )
            )
            entries.append(
                PageLogEntry(
                    action="wagtail.publish", revision_id=revision.pk, timestamp=page.first_published_at, **common
                )
            )
        PageLogEntry.objects.using(using).bulk_create(entries)

        # 4. The reference index (what the image and snippet "usage" screens read).
        references = []
        for page in batch:
            for to_type, to_id, model_path, content_path in sorted(
                set(ReferenceIndex._extract_references_from_object(page))
            ):
                references.append(
                    ReferenceIndex(
                        content_type_id=content_type.pk,
                        base_content_type_id=page_type.pk,
                        object_id=str(page.pk),
                        to_content_type_id=to_type,
                        to_object_id=to_id,
                        model_path=model_path,
                        content_path=content_path,
                        content_path_hash=ReferenceIndex._get_content_path_hash(content_path),
                    )
                )
        ReferenceIndex.objects.using(using).bulk_create(references, ignore_conflicts=True)

        # 5. The search index, one bulk call per backend.
        for backend in get_search_backends(with_auto_update=True):
            backend.add_bulk(model, batch)

        # 6. Tell the site, as publishing does (the page cache, any front-end cache purger).
        for page, revision in zip(batch, revisions, strict=True):
            page_published.send(sender=model, instance=page, revision=revision)
            published.send(sender=model, instance=page, revision=revision)
        if progress is not None:
            progress.advance(len(batch))

    Page.objects.using(using).filter(pk=parent.pk).update(numchild=F("numchild") + len(pages))


def add_scaled_content(scale, stdout=None):
    """Add the generated content for `scale` (see the module docstring); returns {label: number added}.

    Needs the hand-written demo site (index pages, audiences, categories): run
    ``load_demo_content`` (without --scale) first, or use the command with --scale,
    which does both.
    """
    if scale < 0:
        raise ValueError("scale must be 0 or more")
    started = time.perf_counter()
    progress = Progress(stdout)
    added = {}
    with transaction.atomic():
        site = Site.objects.select_related("root_page").get(is_default_site=True)
        home = site.root_page
        audiences = {audience.name: audience for audience in Audience.objects.order_by("sort_order", "name")}
        categories = {
            category.slug: category for category in AnnouncementCategory.objects.order_by("sort_order", "slug")
        }
        if scale and not audiences:
            raise ScaleError("No audiences: run load_demo_content first.")
        if scale and not categories:
            raise ScaleError("No announcement categories: run load_demo_content first.")
        parents = {kind.key: _index_page(home, kind.index_model) for kind in KINDS} if scale else {}
        images, added["images"] = ensure_images(progress) if scale else ([], 0)
        lookups = {"audiences": audiences, "categories": categories}
        for kind in KINDS:
            added[kind.label] = 0
            count = kind.count(scale)
            if not count:
                continue
            # Lock the index page so two loaders cannot hand out the same tree paths.
            parent = Page.objects.select_for_update().get(pk=parents[kind.key].pk)
            existing = set(Page.objects.child_of(parent).values_list("slug", flat=True))
            missing = [number for number in range(1, count + 1) if kind.slug(number) not in existing]
            if not missing:
                continue
            progress.start(kind.label, len(missing))
            if kind.key == "organization":
                lookups["offices"] = dict(
                    OfficePage.objects.child_of(parents["office"])
                    .filter(slug__startswith="office-")
                    .values_list("slug", "pk")
                )
            specs = [plan_page(kind.key, number, list(audiences), list(categories)) for number in missing]
            pages = _instances(kind, specs, parent, lookups, images)
            _write_pages(kind.model, parent, pages, progress)
            progress.finish()
            added[kind.label] = len(pages)
    elapsed = time.perf_counter() - started
    if stdout is not None:
        made = [f"{number} {label}" for label, number in added.items() if number]
        if made:
            stdout.write(f"Scaled content (--scale {scale}): added {', '.join(made)} in {elapsed:.1f} s.")
        else:
            stdout.write(f"Scaled content (--scale {scale}): everything is already there; nothing added.")
    if any(added.values()) and connection.vendor == "postgresql":
        # Thousands of new rows at once: give the query planner fresh statistics now,
        # rather than whenever autovacuum gets to it (a benchmark would measure bad plans).
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return added
