"""Users (dei_portal.accounts)."""

import factory
from django.contrib.auth import get_user_model


class UserFactory(factory.django.DjangoModelFactory):
    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.edu")
    password = factory.django.Password("correct-horse-battery-staple")

    class Meta:
        model = get_user_model()
