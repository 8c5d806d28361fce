"""The project's user model (``AUTH_USER_MODEL = "dei_portal.User"``), registered by dei_portal/models.py."""

from django.contrib.auth.models import AbstractUser


class User(AbstractUser):
    """The project's own user model, in place from the first migration."""
