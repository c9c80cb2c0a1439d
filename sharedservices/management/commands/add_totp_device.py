"""Give a staff account a TOTP device, so that it can sign in to the admin when ADMIN_TWO_FACTOR is on."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django_otp.plugins.otp_totp.models import TOTPDevice


class Command(BaseCommand):
    help = "Create a TOTP device for a user and print the otpauth:// link to add to an authenticator app."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="authenticator app", help="what the device is called in the admin")

    def handle(self, *args, **options):
        try:
            user = get_user_model().objects.get(username=options["username"])
        except get_user_model().DoesNotExist as error:
            raise CommandError(f"No user is called {options['username']!r}.") from error
        device = TOTPDevice.objects.create(user=user, name=options["name"], confirmed=True)
        self.stdout.write("Add this to an authenticator app (paste it, or make a QR code of it):")
        self.stdout.write(device.config_url)
