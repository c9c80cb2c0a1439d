"""Staff accounts: created only with passwords the validators accept."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError


@pytest.mark.django_db
class CreateSuperuserTests:
    def test_it_refuses_a_weak_password_without_a_terminal(self, monkeypatch):
        monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "1")
        with pytest.raises(CommandError, match="too weak"):
            call_command("createsuperuser", "--no-input", username="editor", email="editor@example.org", verbosity=0)
        assert not User.objects.filter(username="editor").exists()

    def test_it_refuses_a_password_like_the_username(self, monkeypatch):
        monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "editor-editor")
        with pytest.raises(CommandError, match="too similar"):
            call_command("createsuperuser", "--no-input", username="editor-editor", email="e@example.org", verbosity=0)

    def test_it_creates_the_account_from_the_environment(self, monkeypatch):
        monkeypatch.setenv("DJANGO_SUPERUSER_USERNAME", "editor")
        monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "editor@example.org")
        monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a long and unlikely passphrase 7")
        call_command("createsuperuser", "--no-input", verbosity=0)
        user = User.objects.get(username="editor")
        assert user.is_superuser and user.check_password("a long and unlikely passphrase 7")
