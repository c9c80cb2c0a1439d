from django.contrib import admin
from django.urls import include, path

from sharedservices import views

urlpatterns = [
    # Load balancer probes: /healthz (the process answers) and /readyz (and so does the database).
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("", include("dashboard.urls")),
]

handler404 = "dashboard.views.page_not_found"
handler500 = "dashboard.views.server_error"
