import pytest
from django.contrib.auth.models import Group
from .conftest import login_verified

def test_dump(demo, client, django_user_model):
    from announcements.models import AnnouncementIndexPage
    u = django_user_model.objects.create_user("edie", "e@example.edu", "pw-long-enough-123")
    u.groups.add(Group.objects.get(name="Editors"))
    client.force_login(u)
    idx = AnnouncementIndexPage.objects.get()
    r = client.get(f"/admin/pages/add/announcements/announcementpage/{idx.pk}/")
    open("/tmp/create.html", "w").write(r.content.decode())
