from django.urls import path

from dashboard import views

app_name = "dashboard"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("charts/<slug:chart_id>.csv", views.overview_chart_csv, name="overview-chart-csv"),
    path("programmes/<slug:slug>/", views.programme_detail, name="programme-detail"),
    path("programmes/<slug:slug>/charts/<slug:chart_id>.csv", views.programme_chart_csv, name="programme-chart-csv"),
    path("sources/", views.source_list, name="source-list"),
    path("sources/<int:pk>/", views.source_detail, name="source-detail"),
    path("figures/<int:pk>/", views.figure_detail, name="figure-detail"),
    path("about/", views.about, name="about"),
]
