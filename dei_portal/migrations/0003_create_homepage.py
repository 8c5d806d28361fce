"""Replace Wagtail's placeholder welcome page with the (empty) DEI home page.

The home page's words come from `load_demo_content` or from editors; this
migration only gives every database a home page of the right type.
"""

from django.db import migrations


def create_homepage(apps, schema_editor):
    ContentType = apps.get_model("contenttypes.ContentType")
    Page = apps.get_model("wagtailcore.Page")
    Site = apps.get_model("wagtailcore.Site")
    HomePage = apps.get_model("dei_portal.HomePage")
    Locale = apps.get_model("wagtailcore.Locale")

    if HomePage.objects.exists():
        return
    placeholder_type = ContentType.objects.get(model="page", app_label="wagtailcore")
    # Wagtail's own "Welcome to your new Wagtail site!" page, only if nobody built on it.
    Page.objects.filter(content_type=placeholder_type, slug="home", depth=2, numchild=0).delete()
    root = Page.objects.get(depth=1)
    if Page.objects.filter(depth=2, slug="home").exists():
        return

    home_type, _ = ContentType.objects.get_or_create(model="homepage", app_label="dei_portal")
    last_child = Page.objects.filter(depth=2).order_by("-path").first()
    next_index = int(last_child.path[4:8], 36) + 1 if last_child else 1
    path = root.path + _base36(next_index).rjust(4, "0")
    homepage = HomePage.objects.create(
        title="Diversity, Equity & Inclusion",
        draft_title="Diversity, Equity & Inclusion",
        slug="home",
        content_type=home_type,
        path=path,
        depth=2,
        numchild=0,
        url_path="/home/",
        locale=Locale.objects.order_by("pk").first(),
    )
    root.numchild = Page.objects.filter(depth=2).count()
    root.save(update_fields=["numchild"])
    site = Site.objects.filter(is_default_site=True).first()
    if site:
        site.root_page_id = homepage.pk
        site.site_name = "Diversity, Equity & Inclusion"
        site.save()
    else:
        Site.objects.create(
            hostname="localhost", root_page=homepage, is_default_site=True, site_name="Diversity, Equity & Inclusion"
        )


def _base36(number):
    digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    out = ""
    while number:
        number, rem = divmod(number, 36)
        out = digits[rem] + out
    return out or "0"


def remove_homepage(apps, schema_editor):
    apps.get_model("dei_portal.HomePage").objects.filter(slug="home", depth=2).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("dei_portal", "0002_pages_and_settings"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [migrations.RunPython(create_homepage, remove_homepage)]
