"""Django's createsuperuser, with the password validators applied in --no-input mode too.

Django checks the password only when it prompts for one; a password from DJANGO_SUPERUSER_PASSWORD is taken as it
is, so `make admin` in a script could create a staff account with the password "1". This command is found instead
of Django's because `programmes` comes before `django.contrib.auth` in INSTALLED_APPS.
"""

from __future__ import annotations

import os

from django.contrib.auth.management.commands import createsuperuser
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError


class Command(createsuperuser.Command):
    def handle(self, *args, **options):
        password = os.environ.get("DJANGO_SUPERUSER_PASSWORD")
        if not options["interactive"] and password is not None:
            username_field = self.UserModel.USERNAME_FIELD
            details = {username_field: options.get(username_field) or os.environ.get(f"DJANGO_SUPERUSER_{username_field.upper()}", "")}
            for field_name in self.UserModel.REQUIRED_FIELDS:
                details[field_name] = options.get(field_name) or os.environ.get(f"DJANGO_SUPERUSER_{field_name.upper()}", "")
            try:
                validate_password(password, self.UserModel(**details))
            except ValidationError as error:
                raise CommandError("DJANGO_SUPERUSER_PASSWORD is too weak: " + " ".join(error.messages)) from error
        return super().handle(*args, **options)
