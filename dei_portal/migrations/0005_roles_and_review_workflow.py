"""Roles as groups, and review before publishing for pages and site-wide notices.

- Editors (communications staff): draft anywhere, upload images and documents, submit for
  review. No publishing; no users, groups, settings or redirects.
- Moderators: everything editors can, plus approve/reject, publish, unpublish, schedule,
  lock and unlock (pages and notices).
- Site administrators: users (never delete: deactivate), groups, site settings, redirects.

Wagtail's own migrations create the Editors and Moderators groups with page and
collection permissions on the whole tree and the "Moderators approval" workflow on the
root page; this migration completes them and puts notices under the same workflow.
"""

from django.db import migrations

SNIPPET_EDITING = [
    ("announcements", "sitenotice", ["add", "change", "view"]),
    ("offices", "audience", ["add", "change", "view"]),
    ("announcements", "announcementcategory", ["add", "change", "view"]),
]
MODERATING = [
    ("announcements", "sitenotice", ["delete", "publish", "lock", "unlock"]),
    ("offices", "audience", ["delete"]),
    ("announcements", "announcementcategory", ["delete"]),
]
ADMINISTERING = [
    ("dei_portal", "user", ["add", "change", "view"]),  # no delete: users are deactivated
    ("auth", "group", ["add", "change", "delete", "view"]),
    ("dei_portal", "navigationsettings", ["change"]),
    ("dei_portal", "footersettings", ["change"]),
    ("wagtailredirects", "redirect", ["add", "change", "delete"]),
]
PAGE_PERMISSIONS = {
    "Editors": ["add_page", "change_page"],
    "Moderators": ["add_page", "change_page", "publish_page", "lock_page", "unlock_page"],
}
COLLECTION_PERMISSIONS = [
    "add_image",
    "change_image",
    "choose_image",
    "add_document",
    "change_document",
    "choose_document",
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


def create_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Page = apps.get_model("wagtailcore", "Page")
    Collection = apps.get_model("wagtailcore", "Collection")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    GroupCollectionPermission = apps.get_model("wagtailcore", "GroupCollectionPermission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Workflow = apps.get_model("wagtailcore", "Workflow")
    WorkflowPage = apps.get_model("wagtailcore", "WorkflowPage")
    WorkflowContentType = apps.get_model("wagtailcore", "WorkflowContentType")
    GroupApprovalTask = apps.get_model("wagtailcore", "GroupApprovalTask")
    WorkflowTask = apps.get_model("wagtailcore", "WorkflowTask")

    access_admin = permissions(apps, [("wagtailadmin", "admin", ["access"])])
    editors, _ = Group.objects.get_or_create(name="Editors")
    moderators, _ = Group.objects.get_or_create(name="Moderators")
    administrators, _ = Group.objects.get_or_create(name="Site administrators")

    editing = permissions(apps, SNIPPET_EDITING)
    editors.permissions.add(*access_admin, *editing)
    moderators.permissions.add(*access_admin, *editing, *permissions(apps, MODERATING))
    administrators.permissions.add(*access_admin, *permissions(apps, ADMINISTERING))

    root = Page.objects.filter(depth=1).first()
    root_collection = Collection.objects.filter(depth=1).first()
    page_type = ContentType.objects.get(app_label="wagtailcore", model="page")
    for group, codenames in ((editors, PAGE_PERMISSIONS["Editors"]), (moderators, PAGE_PERMISSIONS["Moderators"])):
        for codename in codenames:
            permission, _ = Permission.objects.get_or_create(
                content_type=page_type, codename=codename, defaults={"name": codename.replace("_", " ")}
            )
            GroupPagePermission.objects.get_or_create(group=group, page=root, permission=permission)
        if root_collection is not None:
            for codename in COLLECTION_PERMISSIONS:
                model = codename.split("_", 1)[1]
                app_label = "wagtailimages" if model == "image" else "wagtaildocs"
                (permission,) = permissions(apps, [(app_label, model, [codename.split("_", 1)[0]])])
                GroupCollectionPermission.objects.get_or_create(
                    group=group, collection=root_collection, permission=permission
                )

    # One review workflow for the whole site: every page, and the site-wide notices.
    workflow = Workflow.objects.filter(name="Moderators approval").first()
    if workflow is None:
        workflow = Workflow.objects.create(name="Moderators approval", active=True)
        task_type, _ = ContentType.objects.get_or_create(app_label="wagtailcore", model="groupapprovaltask")
        task = GroupApprovalTask.objects.create(name="Moderators approval", content_type=task_type, active=True)
        task.groups.set([moderators])
        WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
    if root is not None and not WorkflowPage.objects.filter(page=root).exists():
        WorkflowPage.objects.create(workflow=workflow, page=root)
    notice_type, _ = ContentType.objects.get_or_create(app_label="announcements", model="sitenotice")
    WorkflowContentType.objects.get_or_create(content_type=notice_type, defaults={"workflow": workflow})


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="Site administrators").delete()
    ContentType = apps.get_model("contenttypes", "ContentType")
    apps.get_model("wagtailcore", "WorkflowContentType").objects.filter(
        content_type__in=ContentType.objects.filter(app_label="announcements", model="sitenotice")
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("dei_portal", "0004_homepage_network_heading"),
        ("announcements", "0002_notice_publishing"),
        ("offices", "0001_initial"),
        ("wagtailcore", "0098_apitoken"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
        ("wagtailimages", "0001_initial"),
        ("wagtaildocs", "0001_initial"),
        ("wagtailredirects", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
