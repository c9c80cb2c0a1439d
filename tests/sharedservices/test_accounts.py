"""Staff accounts: strong passwords, throttled logins, and a one-time code for the admin when two-factor login is on."""

from __future__ import annotations

import datetime
import io

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import TestCase, override_settings
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from time_machine import travel

from sharedservices import accounts
from tests.helpers import log_in_as_staff


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


PASSWORD = "a long and unlikely passphrase 7"


def attempt(client, username: str, password: str, address: str = "203.0.113.7"):
    return client.post("/admin/login/?next=/admin/", {"username": username, "password": password}, REMOTE_ADDR=address)


def signed_in(response) -> bool:
    return response.status_code == 302 and response["Location"] == "/admin/"


COOL_OFF = datetime.timedelta(minutes=15)
SECOND = datetime.timedelta(seconds=1)


@override_settings(AXES_FAILURE_LIMIT=3, AXES_COOLOFF_TIME=COOL_OFF)
class LockoutTests(TestCase):
    def setUp(self):
        self.editor = User.objects.create_user("editor", password=PASSWORD, is_staff=True, is_superuser=True)
        # The cool-off is counted on a clock the test moves, stopped in between: however long a password hash takes
        # on a busy machine, no lockout expires between two attempts.
        clock = travel(datetime.datetime(2026, 3, 2, 9, tzinfo=datetime.UTC), tick=False)
        self.clock = clock.start()
        self.addCleanup(clock.stop)

    def test_it_locks_a_username_from_one_address_after_repeated_failures_then_lets_it_in_after_the_cool_off(self):
        for _ in range(2):
            self.assertEqual(attempt(self.client, "editor", "wrong").status_code, 200)  # the form again, with an error
        self.assertEqual(attempt(self.client, "editor", "wrong").status_code, 429)
        # Locked: even the right password is refused, and without hashing it, until the last second of the cool-off.
        self.assertEqual(attempt(self.client, "editor", PASSWORD).status_code, 429)
        self.clock.shift(COOL_OFF - SECOND)
        self.assertEqual(attempt(self.client, "editor", PASSWORD).status_code, 429)
        self.clock.shift(2 * SECOND)
        self.assertTrue(signed_in(attempt(self.client, "editor", PASSWORD)))

    def test_the_lockout_ends_with_the_cool_off(self):
        for _ in range(3):
            attempt(self.client, "editor", "wrong")
        self.assertTrue(accounts.is_locked_out("203.0.113.7"))
        self.clock.shift(COOL_OFF - SECOND)
        self.assertTrue(accounts.is_locked_out("203.0.113.7"))
        self.clock.shift(2 * SECOND)
        self.assertFalse(accounts.is_locked_out("203.0.113.7"))

    def test_it_never_locks_the_editor_out_from_another_address(self):
        for _ in range(5):
            attempt(self.client, "editor", "wrong", address="198.51.100.66")
        self.assertTrue(signed_in(attempt(self.client, "editor", PASSWORD, address="203.0.113.7")))

    def test_it_locks_an_address_that_tries_many_usernames(self):
        for name in ("alice", "bob", "carol"):
            attempt(self.client, name, "guess", address="198.51.100.66")
        self.assertEqual(attempt(self.client, "dave", "guess", address="198.51.100.66").status_code, 429)
        self.assertEqual(attempt(self.client, "editor", PASSWORD, address="198.51.100.66").status_code, 429)

    def test_it_refuses_a_locked_out_address_before_reading_the_form(self):
        for _ in range(3):
            attempt(self.client, "editor", "wrong")
        with self.assertNumQueries(1):  # axes' records, and nothing else: no session, no user, no password hash
            response = attempt(self.client, "editor", PASSWORD)
        self.assertEqual(response.status_code, 429)
        self.assertEqual(response["Retry-After"], "900")  # the cool-off, in seconds

    def test_axes_reset_lets_the_editor_in_at_once(self):
        for _ in range(3):
            attempt(self.client, "editor", "wrong")
        self.assertEqual(attempt(self.client, "editor", PASSWORD).status_code, 429)
        call_command("axes_reset", stdout=io.StringIO())
        self.assertTrue(signed_in(attempt(self.client, "editor", PASSWORD)))

    def test_a_lockout_recorded_by_another_process_is_refused_here(self):
        # Another worker's failures reach this one only through axes' records in the shared database.
        AccessAttempt.objects.create(
            username="editor", ip_address="203.0.113.7", user_agent="", failures_since_start=3, attempt_time=timezone.now()
        )
        self.assertEqual(attempt(self.client, "editor", PASSWORD).status_code, 429)

    def test_it_clears_the_count_on_success(self):
        for _ in range(2):
            attempt(self.client, "editor", "wrong")
        self.assertTrue(signed_in(attempt(self.client, "editor", PASSWORD)))
        self.client.logout()
        for _ in range(2):
            attempt(self.client, "editor", "wrong")
        self.assertTrue(signed_in(attempt(self.client, "editor", PASSWORD)))


@override_settings(PROXY_COUNT=1)
class ClientAddressTests(TestCase):
    def test_it_counts_the_address_the_nearest_proxy_saw_not_what_the_client_claims(self):
        from django.test import RequestFactory

        from sharedservices.accounts import client_ip

        request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR="10.0.0.1, 203.0.113.9", REMOTE_ADDR="192.0.2.1")
        self.assertEqual(client_ip(request), "203.0.113.9")


def current_code(device: TOTPDevice) -> str:
    return str(TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token()).zfill(device.digits)


@override_settings(ADMIN_TWO_FACTOR=True)
class TwoFactorTests(TestCase):
    def test_it_keeps_a_password_only_session_out_of_the_admin(self):
        log_in_as_staff(self.client)
        response = self.client.get("/admin/")
        self.assertEqual(response.status_code, 302)
        self.assertIn("/admin/login/", response["Location"])

    def test_it_asks_for_a_code_on_the_login_page_and_refuses_a_wrong_one(self):
        user = User.objects.create_user("editor", password=PASSWORD, is_staff=True, is_superuser=True)
        TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
        self.assertContains(self.client.get("/admin/login/"), "otp_token")
        response = self.client.post("/admin/login/?next=/admin/", {"username": "editor", "password": PASSWORD, "otp_token": "000000"})
        self.assertFalse(signed_in(response))

    def test_it_lets_in_staff_with_password_and_current_code(self):
        user = User.objects.create_user("editor", password=PASSWORD, is_staff=True, is_superuser=True)
        device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
        code = current_code(device)
        response = self.client.post(
            "/admin/login/?next=/admin/",
            {"username": "editor", "password": PASSWORD, "otp_device": device.persistent_id, "otp_token": code},
        )
        self.assertTrue(signed_in(response))
        self.assertEqual(self.client.get("/admin/").status_code, 200)

    def test_the_first_sign_in_with_password_and_code_goes_through_when_the_editor_has_one_device(self):
        user = User.objects.create_user("editor", password=PASSWORD, is_staff=True, is_superuser=True)
        device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
        response = self.client.post(
            "/admin/login/?next=/admin/", {"username": "editor", "password": PASSWORD, "otp_token": current_code(device)}
        )
        self.assertTrue(signed_in(response))
        self.assertEqual(self.client.get("/admin/").status_code, 200)

    def test_a_right_password_without_the_right_code_gets_the_wrong_password_answer(self):
        user = User.objects.create_user("editor", password=PASSWORD, is_staff=True, is_superuser=True)
        TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
        wrong_password = self.client.post("/admin/login/", {"username": "editor", "password": "wrong", "otp_token": "000000"})
        no_code = self.client.post("/admin/login/", {"username": "editor", "password": PASSWORD, "otp_token": ""})
        wrong_code = self.client.post("/admin/login/", {"username": "editor", "password": PASSWORD, "otp_token": "000000"})
        expected = wrong_password.context["form"].non_field_errors()
        self.assertIn("Please enter the correct username and password", str(expected))
        for response in (no_code, wrong_code):
            self.assertEqual(response.status_code, 200)
            self.assertEqual(response.context["form"].non_field_errors(), expected)
            # django-otp offers the device picker only to a right password: it would give the password away.
            self.assertNotContains(response, "id_otp_device")
            self.assertNotContains(response, "otp_challenge")

    @override_settings(AXES_FAILURE_LIMIT=3)
    def test_wrong_codes_count_towards_the_lockout_like_wrong_passwords(self):
        user = User.objects.create_user("editor", password=PASSWORD, is_staff=True, is_superuser=True)
        TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
        for _ in range(2):
            self.client.post("/admin/login/", {"username": "editor", "password": PASSWORD, "otp_token": "000000"})
        response = self.client.post("/admin/login/", {"username": "editor", "password": PASSWORD, "otp_token": "000000"})
        self.assertEqual(response.status_code, 429)

    def test_it_admits_a_verified_session(self):
        log_in_as_staff(self.client, verified=True)
        self.assertEqual(self.client.get("/admin/").status_code, 200)


class AddTotpDeviceTests(TestCase):
    def test_it_makes_a_confirmed_device_and_prints_its_link(self):
        import io

        user = User.objects.create_user("editor", password=PASSWORD, is_staff=True)
        out = io.StringIO()
        call_command("add_totp_device", "editor", stdout=out)
        self.assertIn("otpauth://totp/", out.getvalue())
        self.assertTrue(TOTPDevice.objects.get(user=user).confirmed)

    def test_it_names_a_missing_user(self):
        with self.assertRaisesMessage(CommandError, "No user is called 'nobody'"):
            call_command("add_totp_device", "nobody")
