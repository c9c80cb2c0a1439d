"""Staff sign-in: who the client is for login throttling, and the admin site that asks staff for a one-time code."""

from __future__ import annotations

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.admin.sites import AdminSite
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.http import HttpRequest
from django.utils import timezone
from django_otp import devices_for_user
from django_otp.admin import OTPAdminAuthenticationForm, OTPAdminSite


def client_ip(request: HttpRequest) -> str:
    """The address login throttling counts against.

    Behind PROXY_COUNT trusted proxies (load balancer, TLS terminator) REMOTE_ADDR is the nearest proxy, shared by
    every visitor; the client is then the entry that many places from the right of X-Forwarded-For (entries further
    left are whatever the client claimed, so they are never trusted).
    """
    count = settings.PROXY_COUNT
    if count:
        hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
        if len(hops) >= count:
            return hops[-count]
    return request.META.get("REMOTE_ADDR", "")


class StaffLoginForm(OTPAdminAuthenticationForm):
    """The admin login with a one-time code, which never tells a guesser that the password was right.

    A right password with a missing or wrong code gets the wrong-password answer, counts as a failed login for
    django-axes, and shows no device picker (django-otp would show one only after a right password). An editor with
    one device has it chosen, so the first sign-in with password and code goes through.
    """

    def _chosen_device(self, user):
        device = super()._chosen_device(user)
        if device is None:
            devices = list(devices_for_user(user))
            if len(devices) == 1:
                return devices[0]
        return device

    def clean_otp(self, user) -> None:
        try:
            super().clean_otp(user)
        except ValidationError as error:
            self.user_cache = None  # the template shows the device picker to a form that has a user
            user_login_failed.send(sender=__name__, credentials={"username": self.cleaned_data.get("username")}, request=self.request)
            raise self.get_invalid_login_error() from error


class StaffAdminSite(OTPAdminSite):
    """The admin, asking staff for a TOTP code after their password when ADMIN_TWO_FACTOR is on.

    It is read on every request, not at start-up, so one process (or test) can have it either way.
    """

    def has_permission(self, request: HttpRequest) -> bool:
        if settings.ADMIN_TWO_FACTOR:
            return super().has_permission(request)
        return AdminSite.has_permission(self, request)

    @property
    def login_form(self):
        return StaffLoginForm if settings.ADMIN_TWO_FACTOR else AdminAuthenticationForm

    @property
    def login_template(self):
        return OTPAdminSite.login_template if settings.ADMIN_TWO_FACTOR else None


def is_locked_out(address: str) -> bool:
    """Whether django-axes has locked this address out: its failures within the cool-off reach the limit.

    Read from axes' own records (AccessAttempt, in the database every process shares), with the rule axes applies for
    its "ip_address" lockout parameter, so that a lockout holds in every process and `manage.py axes_reset` lifts it
    at once. A username locked from this address is locked by address too: its failures are among the address's.
    """
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    attempts = AccessAttempt.objects.filter(ip_address=address, attempt_time__gte=since)
    failures = attempts.aggregate(failures=Sum("failures_since_start"))["failures"] or 0
    return failures >= settings.AXES_FAILURE_LIMIT
