"""Staff sign-in: who the client is for login throttling, and the admin site that asks staff for a one-time code."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.admin.sites import AdminSite
from django.http import HttpRequest
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
        return OTPAdminAuthenticationForm if settings.ADMIN_TWO_FACTOR else AdminAuthenticationForm

    @property
    def login_template(self):
        return OTPAdminSite.login_template if settings.ADMIN_TWO_FACTOR else None


# Addresses django-axes has locked out, and until when (time.time(): the clock axes counts its cool-off on, so the
# two agree), as this process last heard. A locked-out
# guesser's POST is then refused by LockedOutShortcutMiddleware before sessions, CSRF, the database or axes itself
# run: a guessing loop costs the workers next to nothing, so it cannot slow the public pages. Axes stays the
# authority: a process that has not heard yet asks axes, which refuses and tells it.
locked_out_until: dict[str, float] = {}


def remember_lockout(sender, request=None, ip_address=None, **kwargs) -> None:
    if ip_address:
        locked_out_until[ip_address] = time.time() + settings.AXES_COOLOFF_TIME.total_seconds()


def is_locked_out(address: str) -> bool:
    until = locked_out_until.get(address)
    if until is None:
        return False
    if until <= time.time():
        locked_out_until.pop(address, None)
        return False
    return True
