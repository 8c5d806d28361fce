"""A Publishers role, and taxonomy edits reserved to the roles that publish (issue 11).

- Publishers: the role for a one- or two-person office. Everything Moderators can (write,
  publish, unpublish, schedule, lock; approve what an Editor submits), so one person can publish
  without a second. Two-factor sign-in is required (settings.TWO_FACTOR_REQUIRED_GROUPS).
- Audiences and announcement categories change public pages the moment they are saved (they have
  no drafts), so adding, changing and deleting them is now for Moderators and Publishers only;
  Editors keep "view" (to pick them on pages).

Idempotent (get_or_create / add / remove) and reversible.
"""

from django.db import migrations

TAXONOMY = [("offices", "audience"), ("announcements", "announcementcategory")]
TAXONOMY_EDITING = ["add", "change", "delete"]

PUBLISHING = [
    ("wagtailadmin", "admin", ["access"]),
    ("announcements", "sitenotice", ["add", "change", "view", "delete", "publish", "lock", "unlock"]),
    ("offices", "audience", ["add", "change", "view", "delete"]),
    ("announcements", "announcementcategory", ["add", "change", "view", "delete"]),
]
PAGE_PERMISSIONS = ["add_page", "change_page", "publish_page", "lock_page", "unlock_page"]
COLLECTION_PERMISSIONS = [
    ("wagtailimages", "image", ["add", "change", "choose"]),
    ("wagtaildocs", "document", ["add", "change", "choose"]),
]


def permissions(apps, specs):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    result = []
    for app_label, model, actions in specs:
        content_type, _ = ContentType.objects.get_or_create(app_label=app_label, model=model)
        for action in actions:
            permission, _ = Permission.objects.get_or_create(
                content_type=content_type,
                codename=f"{action}_{model}",
                defaults={"name": f"Can {action} {model}"},
            )
            result.append(permission)
    return result


def taxonomy_editing(apps):
    return permissions(apps, [(app_label, model, TAXONOMY_EDITING) for app_label, model in TAXONOMY])


def add_publishers(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Page = apps.get_model("wagtailcore", "Page")
    Collection = apps.get_model("wagtailcore", "Collection")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    GroupCollectionPermission = apps.get_model("wagtailcore", "GroupCollectionPermission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    GroupApprovalTask = apps.get_model("wagtailcore", "GroupApprovalTask")

    publishers, _ = Group.objects.get_or_create(name="Publishers")
    publishers.permissions.add(*permissions(apps, PUBLISHING))

    root = Page.objects.filter(depth=1).first()
    if root is not None:
        page_type = ContentType.objects.get(app_label="wagtailcore", model="page")
        for codename in PAGE_PERMISSIONS:
            permission, _ = Permission.objects.get_or_create(
                content_type=page_type, codename=codename, defaults={"name": codename.replace("_", " ")}
            )
            GroupPagePermission.objects.get_or_create(group=publishers, page=root, permission=permission)
    root_collection = Collection.objects.filter(depth=1).first()
    if root_collection is not None:
        for permission in permissions(apps, COLLECTION_PERMISSIONS):
            GroupCollectionPermission.objects.get_or_create(
                group=publishers, collection=root_collection, permission=permission
            )

    # Publishers can approve what an Editor submits, like Moderators (a two-person office).
    for task in GroupApprovalTask.objects.filter(name="Moderators approval"):
        task.groups.add(publishers)

    # Taxonomy: no longer for Editors.
    editors = Group.objects.filter(name="Editors").first()
    if editors is not None:
        editors.permissions.remove(*taxonomy_editing(apps))


def remove_publishers(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    editors = Group.objects.filter(name="Editors").first()
    if editors is not None:
        # As 0005 left them: Editors add and change taxonomy terms, Moderators delete them.
        editors.permissions.add(*[p for p in taxonomy_editing(apps) if not p.codename.startswith("delete_")])
    Group.objects.filter(name="Publishers").delete()  # cascades its page/collection permissions and task membership


class Migration(migrations.Migration):
    dependencies = [
        ("dei_portal", "0006_enable_trigram_search"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [migrations.RunPython(add_publishers, remove_publishers)]
