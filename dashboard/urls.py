from django.urls import path

from dashboard import views

app_name = "dashboard"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("programmes/<slug:slug>/", views.programme_detail, name="programme-detail"),
    path("sources/", views.source_list, name="source-list"),
    path("sources/<int:pk>/", views.source_detail, name="source-detail"),
    path("figures/<int:pk>/", views.figure_detail, name="figure-detail"),
    path("about/", views.about, name="about"),
]
