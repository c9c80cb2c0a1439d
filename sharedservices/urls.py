from django.contrib import admin
from django.urls import include, path

from sharedservices import views
from sharedservices.accounts import StaffAdminSite

# The admin asks staff for a one-time code when ADMIN_TWO_FACTOR is on (django-otp's documented way to swap the site).
admin.site.__class__ = StaffAdminSite

urlpatterns = [
    # Load balancer probes: /healthz (the process answers) and /readyz (and so does the database).
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("", include("dashboard.urls")),
]

handler404 = "dashboard.views.page_not_found"
handler500 = "dashboard.views.server_error"
