import pytest
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("i", [1, 2])
def test_x(i):
    from django.db import connection
    from wagtail.models import Site, Page
    s = getattr(connection, "_test_serialized_contents", None)
    print(i, "serialized len", s and len(s), "site" in (s or ""), Site.objects.count(), Page.objects.count())
    print((s or "")[:300])
