"""The demo site: ``manage.py load_demo_content`` builds the DEI landing page and everything it
links to, in the project's own words (the command's module only names this ``Command``).

The names, audiences and link targets are facts from the school's current page;
every summary and paragraph here is written for this project. The command is
idempotent: it only creates what is missing (found by slug, name or title) and
never changes or deletes anything that already exists, so editors' work is safe.

``--scale N`` then adds generated content for benchmarks and load tests (N offices,
N // 5 organizations, N // 10 statements, 10 * N announcements, a pool of listing
images), deterministically and idempotently; see ``dei_portal/demo/scale.py``.
"""

import datetime
import io

from django.core.files.base import ContentFile
from django.core.files.images import ImageFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.text import slugify
from PIL import Image as PILImage
from PIL import ImageDraw, ImageFont
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Page, Site
from wagtail.rich_text import RichText

from announcements.models import AnnouncementCategory, AnnouncementIndexPage, AnnouncementPage, SiteNotice
from dei_portal.demo.scale import ScaleError, add_scaled_content
from dei_portal.site.models import FooterSettings, HomePage, NavigationSettings, StandardPage
from dei_portal.statements.models import StatementIndexPage, StatementPage, StatementPoster
from offices.models import Audience, OfficeIndexPage, OfficePage, OrganizationIndexPage, OrganizationPage

WELCOME_WORDS = [
    "We welcome",
    "all races and ethnicities",
    "all religions",
    "all countries of origin",
    "all sexual orientations",
    "all genders",
    "all ages and abilities",
]
WELCOME_ALT = (
    "Colorful WashU Medicine graphic that reads: We welcome all races and ethnicities; all religions; "
    "all countries of origin; all sexual orientations; all genders; all ages and abilities."
)
FACTORS = (
    "race, color, ethnicity, gender, age, sexual orientation, gender identity, gender expression, "
    "national origin, ability, religion and socioeconomic background"
)
STRIPES = ["#a51417", "#d9661f", "#f2b200", "#3a7d44", "#1f6fb2", "#5b3f8c"]

# (sort order, name, heading on the home page)
AUDIENCES = [
    ("School of Medicine community", "For the whole School of Medicine community"),
    ("MD students and faculty", "For students and faculty of the MD program"),
    ("International students", "For international students"),
    ("Faculty", "For faculty"),
    ("University-wide", "Universitywide initiatives"),
    ("Students", "Students"),
    ("Residents and fellows", "Residents and fellows"),
]

OFFICES = [
    {
        "slug": "diversity-equity-inclusion",
        "title": "Office of Diversity, Equity & Inclusion",
        "audience": "School of Medicine community",
        "website": "https://diversity.med.wustl.edu/",
        "summary": "Leads the medical school's equity work: programs, events and initiatives that build "
        "awareness, prompt action, support fair hiring and grow an inclusive culture.",
    },
    {
        "slug": "diversity-programs",
        "title": "Office of Diversity Programs",
        "audience": "MD students and faculty",
        "website": "https://mddiversity.wustl.edu/",
        "summary": "Works to diversify the people who teach and study medicine here, and readies MD "
        "students to lead in a connected, global world.",
    },
    {
        "slug": "international-students-and-scholars",
        "title": "Office for International Students and Scholars",
        "audience": "International students",
        "website": "https://oiss.wustl.edu/",
        "summary": "Helps promising students and scholars from other countries arrive, settle in and "
        "thrive, in keeping with the university's open-door mission.",
    },
    {
        "slug": "faculty-affairs",
        "title": "Office of Faculty Affairs",
        "audience": "Faculty",
        "website": "https://facultyaffairs.wustl.edu/",
        "summary": "Guides faculty through appointments, reviews and promotions, and backs career growth, "
        "mentoring, fair policies, gender equity and diversity.",
    },
    {
        "slug": "universitywide-initiatives",
        "title": "Universitywide diversity initiatives",
        "audience": "University-wide",
        "website": "https://diversity.wustl.edu/",
        "summary": "Programs across every Washington University campus that equip people to lead change "
        "and make the university fairer and more welcoming for everyone.",
    },
]

ORGANIZATIONS = [
    {
        "slug": "connections",
        "title": "Connections",
        "audience": "Students",
        "website": "https://connections.wustl.edu/",
        "summary": "A student-run group where members explore their many identities together and make "
        "inclusion part of everyday life at Washington University.",
        "related_office": "diversity-programs",
    },
    {
        "slug": "wumma",
        "title": "Washington University Minority Medical Association (WUMMA)",
        "audience": "Residents and fellows",
        "website": "https://wumma.wustl.edu/",
        "summary": "Residents and fellows building an inclusive medical community and supporting the growth "
        "of trainees from groups under-represented in medicine.",
        "related_office": "diversity-equity-inclusion",
    },
]

CATEGORIES = [
    ("Campus events", "campus-events"),
    ("Policies", "policies"),
    ("Construction", "construction"),
    ("General", "general"),
]


def rich(html):
    return RichText(html)


class Command(BaseCommand):
    help = "Create the demo DEI site (idempotent: creates only what is missing, changes nothing that exists)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale",
            type=int,
            default=0,
            metavar="N",
            help="Also add generated content: N offices, N // 5 organizations, N // 10 statements and "
            "10 * N announcements (deterministic; a re-run adds only what is missing).",
        )

    def handle(self, *args, **options):
        scale = options["scale"]
        if scale < 0:
            raise CommandError("--scale must be 0 or more.")
        self.created = []
        with transaction.atomic():
            self.build()
        if self.created:
            self.stdout.write(f"Demo content: created {len(self.created)} item(s):")
            for item in self.created:
                self.stdout.write(f"  + {item}")
        else:
            self.stdout.write("Demo content: everything is already there; nothing changed.")
        if scale:
            try:
                add_scaled_content(scale, stdout=self.stdout)
            except ScaleError as error:
                raise CommandError(str(error)) from error

    # --- helpers -------------------------------------------------------------------

    def note(self, what):
        self.created.append(what)

    def child_page(self, parent, model, slug, **fields):
        """The live or draft child with this slug, or a new published one."""
        existing = Page.objects.child_of(parent).filter(slug=slug).first()
        if existing is not None:
            return existing.specific
        page = model(slug=slug, **fields)
        parent.add_child(instance=page)
        page.save_revision().publish()
        self.note(f"{model._meta.verbose_name}: {page.title}")
        return page

    def image(self, title, description, draw, size):
        Image = get_image_model()
        existing = Image.objects.filter(title=title).first()
        if existing:
            return existing
        canvas = PILImage.new("RGB", size, "white")
        draw(canvas)
        buffer = io.BytesIO()
        canvas.save(buffer, format="PNG", optimize=True)
        image = Image(
            title=title,
            description=description,
            file=ImageFile(io.BytesIO(buffer.getvalue()), name=f"{slugify_filename(title)}.png"),
        )
        image.save()
        self.note(f"image: {title}")
        return image

    def document(self, title, filename, content):
        Document = get_document_model()
        existing = Document.objects.filter(title=title).first()
        if existing:
            return existing
        document = Document(title=title)
        document.file.save(filename, ContentFile(content), save=False)
        document.save()
        self.note(f"document: {title}")
        return document

    # --- the site --------------------------------------------------------------------

    def build(self):
        site = Site.objects.get(is_default_site=True)
        home = site.root_page.specific
        if not isinstance(home, HomePage):
            home = HomePage.objects.first()
        if home is None:
            raise SystemExit("No home page: run `manage.py migrate` first.")

        audiences = self.audiences()
        categories = self.categories()
        graphic = self.image("Welcome statement graphic", WELCOME_ALT, draw_welcome_graphic, (1200, 800))
        poster = self.document("Welcome statement poster (PDF)", "welcome-statement-poster.pdf", welcome_poster_pdf())

        offices_index = self.child_page(
            home,
            OfficeIndexPage,
            "offices",
            title="Offices",
            summary="The offices that carry diversity, equity and inclusion work across the medical school.",
            intro=rich(
                "<p>Each office below serves a particular part of our community. Follow the links to "
                "learn more or to visit an office's own website.</p>"
            ),
        )
        offices = {}
        for data in OFFICES:
            offices[data["slug"]] = self.child_page(
                offices_index,
                OfficePage,
                data["slug"],
                title=data["title"],
                audience=audiences[data["audience"]],
                website=data["website"],
                summary=data["summary"],
                body=[("paragraph", rich(f"<p>{data['summary']}</p>"))],
            )

        organizations_index = self.child_page(
            home,
            OrganizationIndexPage,
            "organizations",
            title="Student- and trainee-run organizations",
            summary="Groups led by medical students, residents and fellows.",
            intro=rich(
                "<p>These groups are run by the people they serve: students, and residents and fellows in training.</p>"
            ),
        )
        for data in ORGANIZATIONS:
            office = offices.get(data["related_office"])
            self.child_page(
                organizations_index,
                OrganizationPage,
                data["slug"],
                title=data["title"],
                audience=audiences[data["audience"]],
                website=data["website"],
                summary=data["summary"],
                body=[("paragraph", rich(f"<p>{data['summary']}</p>"))],
                related_office=office if isinstance(office, OfficePage) else None,
            )

        statements_index = self.child_page(
            home,
            StatementIndexPage,
            "statements",
            title="Statements of commitment",
            summary="What the medical school's leaders have committed to, in their own words.",
            intro=rich("<p>Official statements from school leadership on diversity, equity and inclusion.</p>"),
        )
        welcome = self.statements(statements_index, poster)

        announcements_index = self.child_page(
            home,
            AnnouncementIndexPage,
            "announcements",
            title="Announcements",
            summary="News on campus events, policies, construction and more.",
            intro=rich("<p>The latest news for the medical school community, newest first.</p>"),
        )
        self.announcements(announcements_index, categories)

        accessibility = self.child_page(
            home,
            StandardPage,
            "accessibility",
            title="Accessibility statement",
            summary="How we make this site usable for everyone, and how to tell us when it is not.",
            body=[
                (
                    "paragraph",
                    rich(
                        "<p>We want every visitor to be able to use this site, whatever device or assistive "
                        "technology they use. We aim to meet the Web Content Accessibility Guidelines (WCAG) 2.2 "
                        "at level AA and test every page type against them.</p>"
                    ),
                ),
                ("heading", {"text": "Tell us about a barrier", "level": "h2"}),
                (
                    "paragraph",
                    rich(
                        "<p>If something on this site is hard to use, please use the contact details at the "
                        "bottom of every page. We will reply and fix the problem or offer the content another way.</p>"
                    ),
                ),
            ],
        )
        contact = self.child_page(
            home,
            StandardPage,
            "contact",
            title="Contact",
            summary="How to reach the Office of Diversity, Equity & Inclusion.",
            body=[
                (
                    "paragraph",
                    rich(
                        "<p>Questions about programs, events or these pages are welcome. Write to us or visit the "
                        "office's own website for staff and hours.</p>"
                    ),
                ),
                (
                    "call_to_action",
                    {
                        "text": "Visit the Diversity, Equity & Inclusion website",
                        "page": None,
                        "url": "https://diversity.med.wustl.edu/",
                    },
                ),
            ],
        )

        self.home(home, graphic, poster, welcome)
        self.notices(announcements_index)
        self.settings(
            site, offices_index, organizations_index, statements_index, announcements_index, accessibility, contact
        )

    def audiences(self):
        result = {}
        for order, (name, heading) in enumerate(AUDIENCES):
            audience, created = Audience.objects.get_or_create(
                name=name, defaults={"heading": heading, "sort_order": order}
            )
            if created:
                self.note(f"audience: {name}")
            result[name] = audience
        return result

    def categories(self):
        result = {}
        for order, (name, slug) in enumerate(CATEGORIES):
            category = AnnouncementCategory.objects.filter(slug=slug).first()
            if category is None:
                category = AnnouncementCategory.objects.create(name=name, slug=slug, sort_order=order)
                self.note(f"announcement category: {name}")
            result[slug] = category
        return result

    def statements(self, index, poster):
        dean = self.child_page(
            index,
            StatementPage,
            "deans-commitment",
            title="The Dean's commitment",
            issued_by="Dean David H. Perlmutter, MD",
            issued_on=datetime.date(2020, 6, 15),
            excerpt="Equity and inclusion are not new priorities for us; they are promises we have kept for "
            "years and mean to keep.",
            summary="The Dean's personal commitment to diversity, equity and inclusion at the medical school.",
            body=[
                (
                    "paragraph",
                    rich(
                        "<p>Equity and inclusion are not new priorities for us; they are promises we have kept for "
                        "years and mean to keep. Every department, program and leader at the School of Medicine "
                        "shares the work of making this a place where everyone can do their best.</p>"
                    ),
                ),
                (
                    "paragraph",
                    rich(
                        "<p>We will keep measuring our progress, listening to our community and putting resources "
                        "behind the programs that make a difference.</p>"
                    ),
                ),
            ],
        )
        statement = self.child_page(
            index,
            StatementPage,
            "diversity-statement",
            title="School of Medicine Diversity Statement",
            issued_by="the Academic Affairs Committee and Executive Faculty",
            issued_on=datetime.date(2019, 9, 1),
            excerpt="Working together across differences is how this school succeeds, in the lab, the clinic "
            "and the classroom.",
            summary="The school's formal statement on diversity, adopted by its faculty leadership.",
            body=[
                (
                    "paragraph",
                    rich(
                        "<p>Working together across differences is how this school succeeds, in the lab, the clinic "
                        "and the classroom. A community that draws on many backgrounds and experiences teaches "
                        "better, discovers more and cares for patients more fully.</p>"
                    ),
                ),
            ],
        )
        welcome = self.child_page(
            index,
            StatementPage,
            "welcome-statement",
            title="We welcome all: the welcome statement",
            issued_by="the Office of Diversity, Equity & Inclusion",
            excerpt="We welcome all races and ethnicities, all religions, all countries of origin, all sexual "
            "orientations, all genders, and all ages and abilities.",
            summary="Post the School of Medicine's welcome statement in your office or on your website.",
            show_on_home=False,
            body=[
                (
                    "paragraph",
                    rich(
                        "<p>The welcome statement is a short, visible promise: whoever you are, you belong here. "
                        "Departments, clinics and labs are encouraged to display it.</p>"
                    ),
                ),
            ],
            posting_instructions=rich(
                "<ol><li>Download the poster below and print it in color on letter-size paper.</li>"
                "<li>Post it where visitors and colleagues will see it, such as a front desk or waiting area.</li>"
                "<li>On a website, use the graphic with its full text as alt text, and link it to this page.</li></ol>"
            ),
            posters=[StatementPoster(document=poster, label="Welcome statement poster, letter size")],
        )
        return welcome, dean, statement

    def home(self, home, graphic, poster, statements):
        """Fill the home page's own words, once: never over an editor's version."""
        if home.latest_revision_id is not None or home.intro:
            return
        welcome = statements[0]
        home.intro = (
            "Diversity and inclusion are core values of the School of Medicine, and they strengthen "
            "everything we do: teaching, research and patient care."
        )
        home.body = [
            (
                "paragraph",
                rich(
                    "<p>With firm support from the Dean and school leadership, and with programs coordinated by the "
                    "Office of Diversity, Equity &amp; Inclusion, we are building a fairer campus and community in "
                    "which every person is welcomed, respected and supported.</p>"
                ),
            ),
            (
                "paragraph",
                rich(
                    "<p>The Office of Diversity, Equity &amp; Inclusion leads the school's work toward equity. Its "
                    "programs, events and initiatives build awareness, prompt action, support fair employment and "
                    "grow a culture of inclusion.</p>"
                ),
            ),
            (
                "call_to_action",
                {
                    "text": "Visit the Diversity, Equity & Inclusion website",
                    "page": None,
                    "url": "https://diversity.med.wustl.edu/",
                },
            ),
        ]
        home.network_intro = (
            "A growing network of offices and groups carries this work into every part of the school, "
            "making these values part of how we work every day."
        )
        home.organizations_heading = "Student- and trainee-run organizations at the medical school"
        home.values_body = [
            ("paragraph", rich(f"<p>Our diversity, equity and inclusion work takes in {FACTORS}.</p>")),
            (
                "welcome_statement",
                {
                    "graphic": {"image": graphic, "decorative": False, "alt_text": WELCOME_ALT},
                    "statement": "The School of Medicine stands firmly behind diversity, equity and inclusion, "
                    "and says so to everyone who walks through its doors.",
                    "how_to_post": {
                        "text": "How to post this statement in your office or on your website",
                        "page": welcome,
                        "url": "",
                    },
                    "poster": poster,
                },
            ),
        ]
        home.commitments_heading = "Our commitment to equity"
        home.commitments_intro = (
            "Leaders at every level of the School of Medicine have committed to a diverse, equitable "
            "community in which every person is welcomed and valued."
        )
        home.summary = "The home of diversity, equity and inclusion at the School of Medicine."
        home.save_revision().publish()
        self.note("home page content")

    def announcements(self, index, categories):
        today = datetime.date(2026, 11, 2)
        items = [
            (
                "campus-events",
                "heritage-month-lecture",
                "Heritage month lecture and reception",
                "An evening talk on health equity research, followed by a reception for the whole community.",
                {
                    "event_start": datetime.datetime(2026, 12, 3, 17, 30, tzinfo=datetime.UTC),
                    "event_end": datetime.datetime(2026, 12, 3, 19, 0, tzinfo=datetime.UTC),
                    "event_location": "Eric P. Newman Education Center, Auditorium",
                },
            ),
            (
                "policies",
                "updated-inclusive-language-guide",
                "Updated inclusive language guide",
                "The school's guide to respectful, inclusive language has been revised with new examples.",
                {},
            ),
            (
                "construction",
                "accessible-entrance-work",
                "Accessible entrance work on the main walkway",
                "The main walkway entrance is being rebuilt with a level, step-free approach; use the east doors "
                "while work is under way.",
                {},
            ),
            (
                "general",
                "community-listening-sessions",
                "Community listening sessions open for sign-up",
                "Small-group conversations where students, trainees, faculty and staff can share ideas and concerns.",
                {},
            ),
        ]
        for offset, (category, slug, title, summary, event) in enumerate(items):
            self.child_page(
                index,
                AnnouncementPage,
                slug,
                title=title,
                category=categories[category],
                date=today - datetime.timedelta(days=offset * 3),
                summary=summary,
                body=[("paragraph", rich(f"<p>{summary}</p>"))],
                **event,
            )

    def notices(self, announcements_index):
        notices = [
            {
                "heading": "Announcements",
                "text": "News on campus events, policies, construction and more.",
                "link_page": announcements_index,
                "link_text": "See all announcements",
            },
            {
                "heading": "Information for our community",
                "text": "Whether you already belong to our community or are thinking of joining, you are welcome "
                "at the School of Medicine.",
            },
        ]
        for order, data in enumerate(notices):
            if not SiteNotice.objects.filter(heading=data["heading"]).exists():
                notice = SiteNotice.objects.create(sort_order=order, **data)
                notice.save_revision().publish()
                self.note(f"site-wide notice: {data['heading']}")

    def settings(self, site, offices, organizations, statements, announcements, accessibility, contact):
        navigation = NavigationSettings.for_site(site)
        if not navigation.primary_menu:
            navigation.primary_menu = [
                ("link", {"text": "", "page": page, "url": ""})
                for page in (offices, organizations, statements, announcements, contact)
            ]
            navigation.save()
            self.note("primary menu")
        footer = FooterSettings.for_site(site)
        if not footer.address and not footer.social_links and not footer.legal_links:
            footer.contact_heading = "Office of Diversity, Equity & Inclusion"
            footer.address = "Washington University School of Medicine\n660 S. Euclid Ave.\nSt. Louis, MO 63110"
            footer.social_links = [
                ("social", {"platform": "facebook", "url": "https://www.facebook.com/WashUMedicine"}),
                ("social", {"platform": "instagram", "url": "https://www.instagram.com/washumedicine/"}),
                ("social", {"platform": "youtube", "url": "https://www.youtube.com/@WashUMedicine"}),
            ]
            footer.legal_links = [
                ("link", {"text": "", "page": accessibility, "url": ""}),
                ("link", {"text": "", "page": contact, "url": ""}),
            ]
            footer.save()
            self.note("footer")


def slugify_filename(title):
    return slugify(title)[:80] or "image"


def _font(size):
    return ImageFont.load_default(size=size)


def draw_welcome_graphic(canvas):
    draw = ImageDraw.Draw(canvas)
    width, height = canvas.size
    stripe = width // len(STRIPES)
    for index, color in enumerate(STRIPES):
        draw.rectangle([index * stripe, 0, (index + 1) * stripe, 40], fill=color)
        draw.rectangle([index * stripe, height - 40, (index + 1) * stripe, height], fill=color)
    draw.text((60, 80), "WashU Medicine", font=_font(40), fill="#a51417")
    draw.text((60, 150), WELCOME_WORDS[0], font=_font(84), fill="#1d1d1f")
    for line, words in enumerate(WELCOME_WORDS[1:]):
        draw.text((60, 270 + line * 72), words, font=_font(52), fill=STRIPES[line % len(STRIPES)])


def welcome_poster_pdf():
    """A letter-size poster of the welcome statement, drawn with Pillow (nothing downloaded)."""
    page = PILImage.new("RGB", (1275, 1650), "white")  # 8.5 x 11 in at 150 dpi
    graphic = PILImage.new("RGB", (1200, 800), "white")
    draw_welcome_graphic(graphic)
    page.paste(graphic.resize((1155, 770)), (60, 120))
    draw = ImageDraw.Draw(page)
    draw.text((60, 960), "Washington University School of Medicine", font=_font(44), fill="#1d1d1f")
    draw.text((60, 1030), "Diversity, Equity & Inclusion", font=_font(40), fill="#a51417")
    buffer = io.BytesIO()
    page.save(buffer, format="PDF", resolution=150.0, title="We welcome all", producer="DEI portal")
    return buffer.getvalue()
